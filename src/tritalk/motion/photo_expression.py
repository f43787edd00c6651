"""The performance put on the portrait: ``on_photo`` turns a change of expression (speech + emotion +
blinks, made as offsets from the photo) into the absolute ARKit values a Motion holds (types.py). The
portrait's own smile (``photo_smile``) is taken back by the emotions that cannot smile, each frame in
proportion to their weight (``photo_smile_weight``).
"""

from __future__ import annotations

import numpy as np

from tritalk.types import EMOTIONS, IDX, N_EXPR

# A photo that smiles (or shows its teeth in a smile) is the face every frame starts from: the performance
# is made as an offset from the photo's expression. Emotions that cannot smile take that smile back, in proportion
# to their weight (happy, contempt and neutral keep the photo as it is). Only the part of each
# coefficient above PHOTO_SMILE_FLOOR counts (a neutral photo's estimate carries a little noise).
PHOTO_SMILE: tuple[str, ...] = (
    "mouthSmileLeft", "mouthSmileRight", "cheekSquintLeft", "cheekSquintRight", "mouthUpperUpLeft",
    "mouthUpperUpRight", "mouthDimpleLeft", "mouthDimpleRight",
)
PHOTO_SMILE_FLOOR = 0.15
KEEPS_PHOTO_SMILE: tuple[str, ...] = ("neutral", "happy", "contempt")


def photo_smile_weight(track: np.ndarray) -> np.ndarray:
    """(T,) in [0, 1]: how much of the portrait's own smile each frame of an emotion track (T, 8)
    takes back: the weight of the emotions that cannot smile (all but ``KEEPS_PHOTO_SMILE``)."""
    cannot = np.array([0.0 if e in KEEPS_PHOTO_SMILE else 1.0 for e in EMOTIONS])
    return np.clip(np.asarray(track, np.float64) @ cannot, 0.0, 1.0).astype(np.float32)


def photo_smile(photo_expr: np.ndarray) -> np.ndarray:
    """(52,): the part of a portrait's coefficients that is its smile (``PHOTO_SMILE`` above
    ``PHOTO_SMILE_FLOOR``), which the emotions that cannot smile take back."""
    photo_expr = np.asarray(photo_expr, np.float32).reshape(-1)
    smile = np.zeros(N_EXPR, np.float32)
    idx = [IDX[n] for n in PHOTO_SMILE]
    smile[idx] = np.clip(photo_expr[idx] - PHOTO_SMILE_FLOOR, 0.0, None)
    return smile


def on_photo(change: np.ndarray, photo_expr: np.ndarray, emotion: np.ndarray) -> np.ndarray:
    """(T, 52) float32 absolute expression in [0, 1]: the portrait's own expression (52,), less the share
    of its smile that each frame's emotion (T, 8) takes back, plus the frame's change (T, 52) in [0, 1]."""
    photo_expr = np.asarray(photo_expr, np.float32)
    rest = photo_expr[None] - photo_smile_weight(emotion)[:, None] * photo_smile(photo_expr)[None]  # (T, 52)
    return np.clip(rest + change, 0.0, 1.0).astype(np.float32)
