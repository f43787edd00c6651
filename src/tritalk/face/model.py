"""Blendshape face model on MediaPipe's 478-landmark topology (ICT-FaceKit transferred; see assets/facemodel).

    X(id, e) = neutral + sum_k id_k * I_k + sum_j e_j * B_j          (478, 3) cm

``e`` are ARKit coefficients (BLENDSHAPES order); the names were mapped from ICT's once, when the
asset was built (scripts/build_facemodel.py). Model frame: +x = subject's left, +y up, +z to the viewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from tritalk.arkit import shape_vector
from tritalk.types import BLENDSHAPES

# MediaPipe landmark index groups (topology facts of the 478-point mesh)
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
             152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)
INNER_LIP_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)  # left-to-right in the image
INNER_LIP_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
OUTER_LIP_UPPER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
OUTER_LIP_LOWER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
LEFT_EYE = (362, 382, 381, 380, 374, 373, 390, 249, 263, 466, 388, 387, 386, 385, 384, 398)  # subject's left
RIGHT_EYE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
LEFT_IRIS = (473, 474, 475, 476, 477)  # centre first
RIGHT_IRIS = (468, 469, 470, 471, 472)
EYE_CORNERS = (33, 263)  # outer corners, for the inter-ocular distance
INNER_LIP_MIDDLE = (13, 14)  # upper / lower inner lip at the middle: where the lips part most and meet last

# Amplitude of the upper-face and mouth-corner shapes relative to ICT-FaceKit's. ICT's scans are
# moderate expressions (brows rise 6-8 mm, upper lids 3 mm, lip corners drop 6 mm at 1.0) while
# the speech model and emotion prototypes use ARKit's scale, where 1.0 is the extreme a performer
# can make (brows up ~12 mm, sclera above the iris, a full frown); without the gain an emotion at
# intensity 1 barely moves a warped photo. Mouth-opening shapes keep ICT's scale (they are
# calibrated: MediaPipe reads a rendered jawOpen / smile back at about the requested value).
EXPRESSION_GAIN: dict[str, float] = {
    "browInnerUp": 1.6, "browOuterUp": 1.3, "browDown": 2.0, "eyeWide": 1.8, "eyeSquint": 1.2,
    "cheekSquint": 1.3, "noseSneer": 1.5, "mouthFrown": 2.0, "mouthStretch": 1.3,
}


def expression_gain_vector(gain: dict[str, float] | tuple[tuple[str, float], ...] = EXPRESSION_GAIN) -> np.ndarray:
    """(52,) per-coefficient gains (1 where none is given); a name without Left/Right covers both sides."""
    return shape_vector(gain, fill=1.0)


@dataclass(frozen=True)
class FaceModel:
    neutral: np.ndarray  # (478, 3) float32 cm
    expr_basis: np.ndarray  # (52, 478, 3) float32, BLENDSHAPES order
    id_basis: np.ndarray  # (K, 478, 3) float32, one standard deviation per mode
    triangles: np.ndarray  # (F, 3) int32 over the first 468 vertices (MediaPipe canonical mesh)

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls, n_identity: int = 60) -> "FaceModel":
        path = resources.files("tritalk") / "assets" / "facemodel" / "face_model.npz"
        with resources.as_file(path) as p:
            d = np.load(p)
            assert tuple(d["blendshapes"]) == BLENDSHAPES, "face_model.npz was built for another coefficient order"
            return cls(d["neutral"].astype(np.float32), d["expr_deltas"].astype(np.float32),
                       d["id_deltas"][:n_identity].astype(np.float32), d["triangles"].astype(np.int32))

    @property
    def n_identity(self) -> int:
        return self.id_basis.shape[0]

    def shape(self, identity: np.ndarray | None = None, expr: np.ndarray | None = None) -> np.ndarray:
        """(478, 3) vertices for identity (K,) and expression (52,) coefficients."""
        x = self.neutral.copy()
        if identity is not None:
            x += np.tensordot(identity, self.id_basis, axes=1)
        if expr is not None:
            x += np.tensordot(expr, self.expr_basis, axes=1)
        return x

    def expr_offsets(self, expr: np.ndarray) -> np.ndarray:
        """(T, 478, 3) vertex offsets for expressions (T, 52)."""
        return np.tensordot(expr, self.expr_basis, axes=1)


def inner_lip_polygon() -> tuple[int, ...]:
    """Closed inner-lip contour, clockwise in the image: upper lip left->right, lower right->left."""
    return INNER_LIP_UPPER + tuple(reversed(INNER_LIP_LOWER[1:-1]))


def inner_lip_gap_weights() -> np.ndarray:
    """(52,) inner-lip gap [cm] per unit of each coefficient as rendered (default expression gains
    included): the height of the upper minus the lower inner lip at the middle (``INNER_LIP_MIDDLE``).
    > 0 parts the lips (jawOpen +3.3), < 0 brings them together (mouthClose -3.9)."""
    m = FaceModel.load()
    upper, lower = INNER_LIP_MIDDLE
    d = m.expr_basis[:, upper, 1] - m.expr_basis[:, lower, 1]
    return (d * expression_gain_vector()).astype(np.float32)


def inner_lip_gap(expr: np.ndarray) -> np.ndarray:
    """(T,) inner-lip gap [cm] as rendered for (T, 52) coefficients above rest; 0 where the lips touch."""
    return np.clip(np.asarray(expr) @ inner_lip_gap_weights(), 0.0, None)
