"""The performance put on the portrait: ``on_photo`` turns a change of expression (speech + emotion +
blinks, made as offsets from the photo) into the absolute ARKit values a Motion holds (types.py). The
portrait's own smile (``photo_smile``) is taken back by the emotions that cannot smile, each frame in
proportion to their weight (``photo_smile_weight``).

A portrait whose lips are apart (a frame grabbed mid-word, a photo with a half-open mouth) is not the mouth at
rest: speech is made "above the speaker's rest" (motion/learned_speech.py), and real lips shut between words and
on /p b m/. ``closed_rest`` lowers the mouth-opening channels of such a photo below its own values (jawOpen and
mouthClose, by the face model's inner-lip gap per unit, ``face.model.inner_lip_gap_weights``) until the rendered
lips keep only a relaxed gap, and shut on /p b m/; the change is put on that rest. A photo whose lips already
meet is its own rest, reproduced exactly where the change is zero.
"""

from __future__ import annotations

import numpy as np

from tritalk.face.model import inner_lip_gap_weights
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


# Closing an open-mouthed photo. MediaPipe's inner-lip gap (landmarks 13-14) on real shut lips reads 0-0.9 mm
# (GRID dev frames of closed mouths; grid_man_greyhair_pwij3p's closed first frame: 0.73 mm): a photo whose gap is
# below CLOSED_LIP_GAP_CM is left exactly as it is, one above twice that is closed all the way down to its relaxed
# rest, and between the two the share closed rises linearly (no jump between two nearly equal photos).
CLOSED_LIP_GAP_CM = 0.1
# Lips a little apart are a relaxed rest many speakers hold in pauses (grid_woman_longhair_brbk7n rests at ~6 mm);
# a wider gap is a frame caught mid-word (grid_man_greyhair_swwp2s: 14 mm, shut at rest). So up to
# RELAXED_LIP_GAP_CM of the photo's gap is kept at rest; the lips still shut fully on /p b m/ (``Motion.lip_closure``).
# Tuned on those two dev clips' M-LMD (never on the held-out ones): 0 / 0.2 / 0.3 / 0.4 cm gave a mean of
# 0.030 / 0.024 / 0.022 / 0.022 (the still photo: 0.027).
RELAXED_LIP_GAP_CM = 0.3
# Shut lips press a little: the closing aims LIP_PRESS_CM past touching, and the engine holds the lips where they
# meet (render/mesh_engine.py ``lips_in_contact``). Aiming exactly at touching leaves the fit's sub-pixel
# residue open along the mouth, where the engine would paint a line of teeth between the lips.
LIP_PRESS_CM = 0.05
# Real speakers shut an open mouth partly with the jaw and partly with the lips (from the open to the shut frames of
# those two clips MediaPipe's jawOpen falls by a quarter to a half of the gap's worth): REST_JAW_SHARE of the gap
# goes to jawOpen (never below 0), the rest to mouthClose (lips together over a parted jaw). Same tuning: a share
# of 0.25 / 0.5 / 0.75 gave 0.022 / 0.023 / 0.024.
REST_JAW_SHARE = 0.25


def closed_rest(photo_expr: np.ndarray, lip_gap: float, closure: np.ndarray | float = 0.0) -> np.ndarray:
    """(T, 52) the portrait's expression (52,) with its lips brought together, per frame of a closure track (T,)
    in [0, 1] (a float: one frame): jawOpen lowered and mouthClose raised so the rendered inner-lip gap shrinks
    from ``lip_gap`` [cm] (the photo's own gap, ``Subject.lip_gap``) to its relaxed rest
    (``RELAXED_LIP_GAP_CM`` at most), and pressed shut (``LIP_PRESS_CM``) where the closure is 1. Values below
    the photo's are absolute ARKit values like any other; the engine renders the difference (the lips closing
    over the photo's open mouth, render/mesh_engine.py ``lips_in_contact``)."""
    photo_expr = np.asarray(photo_expr, np.float32).reshape(-1)
    c = np.clip(np.atleast_1d(np.asarray(closure, np.float32)), 0.0, 1.0)
    rest = np.repeat(photo_expr[None], len(c), axis=0)
    gap = float(lip_gap)
    share = min(1.0, max(0.0, gap / CLOSED_LIP_GAP_CM - 1.0))  # 0: a closed photo, left exactly as it is
    if share <= 0.0:
        return rest
    kept = min(gap, RELAXED_LIP_GAP_CM) * (1.0 - c)  # (T,) cm left apart: the relaxed rest, none at a closure
    aim = kept - LIP_PRESS_CM * (1.0 - np.minimum(1.0, kept / LIP_PRESS_CM))  # pressed where (nearly) nothing is kept
    close = share * (gap - aim)  # (T,) cm to close
    w = inner_lip_gap_weights()
    jaw, shut = IDX["jawOpen"], IDX["mouthClose"]
    down = np.minimum(photo_expr[jaw], REST_JAW_SHARE * close / w[jaw])
    rest[:, jaw] -= down
    rest[:, shut] = np.minimum(1.0, rest[:, shut] + (close - down * w[jaw]) / -w[shut])
    return rest


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


def on_photo(change: np.ndarray, photo_expr: np.ndarray, emotion: np.ndarray, lip_gap: float = 0.0,
             closure: np.ndarray | None = None) -> np.ndarray:
    """(T, 52) float32 absolute expression in [0, 1]: the portrait's own expression (52,) with its lips closed
    (``closed_rest``; ``lip_gap`` [cm] is the photo's inner-lip gap, 0 = lips together; ``closure`` (T,) the
    speech model's lip closures, ``Motion.lip_closure``), less the share of its smile that each frame's emotion
    (T, 8) takes back, plus the frame's change (T, 52) in [0, 1]."""
    photo_expr = np.asarray(photo_expr, np.float32)
    closure = np.zeros(len(change), np.float32) if closure is None else closure
    smile = photo_smile_weight(emotion)[:, None] * photo_smile(photo_expr)[None]  # (T, 52) taken back
    rest = closed_rest(photo_expr, lip_gap, closure) - smile
    return np.clip(rest + change, 0.0, 1.0).astype(np.float32)
