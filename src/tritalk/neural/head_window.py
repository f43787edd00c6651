"""The head window: the square around the head centre that the tri-plane generator draws, and the face mask
it is trained to cover. Shared by the training data (training/triplane_data.py) and the engine."""

from __future__ import annotations

import cv2
import numpy as np

from tritalk.face.model import OUTER_LIP_LOWER, OUTER_LIP_UPPER
from tritalk.types import Camera

MOUTH_MARGIN = 0.35
"""The mouth region reaches this share of the mouth's width past the outer lips (the chin and the skin the lips
stretch move with the jaw too)."""


def window_box(head_centre_xy: np.ndarray, size: int, window: float) -> tuple[float, float, float]:
    """(cx, cy, half) of the neural window in frame pixels."""
    return float(head_centre_xy[0]), float(head_centre_xy[1]), window * size / 2


def cut_window(image: np.ndarray, box: tuple[float, float, float], res: int, interp: int = cv2.INTER_AREA
               ) -> np.ndarray:
    """The window ``box`` of ``image`` resampled to res x res (edges repeated outside the frame)."""
    cx, cy, half = box
    s = res / (2 * half)
    m = np.array([[s, 0, res / 2 - s * cx], [0, s, res / 2 - s * cy]], np.float32)
    flags = interp if s < 1 else cv2.INTER_LINEAR
    return cv2.warpAffine(image, m, (res, res), flags=flags, borderMode=cv2.BORDER_REPLICATE)


def head_mask(engine, expr: np.ndarray, head: np.ndarray, camera: Camera) -> np.ndarray:
    """(S, S) float32 in [0, 1]: the face mesh's pixels with the mouth opening filled, edges softened.
    This is the part the tri-plane head draws (triplane_engine.py: hair, ears, body come from the mesh)."""
    r = engine._rasterize(engine.expr_delta(expr), head, camera)
    m = ((r.tri_id >= 0) & (r.tri_id < len(engine.face_tris))).astype(np.uint8)
    contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(m)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    return cv2.GaussianBlur(filled.astype(np.float32), (0, 0), max(engine.subject.size / 256.0, 0.5))


def mouth_mask(engine, expr: np.ndarray, head: np.ndarray, camera: Camera) -> np.ndarray:
    """(S, S) float32 in [0, 1]: the mouth region (outer lips, the opening between them, and a margin of
    ``MOUTH_MARGIN`` x the mouth's width), softened. The weight map of the mouth loss (training/stages.py):
    in a 64² face window the lips are ~3 % of the pixels, so an unweighted L1 barely sees them open."""
    v = engine.project(engine.expr_delta(expr), head, camera)
    poly = v[list(OUTER_LIP_UPPER) + list(OUTER_LIP_LOWER[::-1]), :2].astype(np.float32)
    size = engine.subject.size
    m = np.zeros((size, size), np.uint8)
    cv2.fillPoly(m, [np.round(cv2.convexHull(poly)).astype(np.int32)], 1)
    width = float(np.linalg.norm(poly[0] - poly[len(OUTER_LIP_UPPER) - 1]))
    r = max(1, int(round(MOUTH_MARGIN * width)))
    m = cv2.dilate(m, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    return cv2.GaussianBlur(m.astype(np.float32), (0, 0), max(r / 3.0, 0.5))
