"""Emotion offsets (v1): the 8 MEAD emotions as FACS action units mapped onto ARKit shapes.

Each emotion is a prototype expression (Ekman & Friesen's FACS prototypes, e.g. happy =
AU6 cheek raiser + AU12 lip-corner puller); ``emotion_offsets`` scales it by intensity and,
for frames where the mouth speaks, keeps the lips readable: lip channels are damped while
the jaw is open, brows/eyes/cheeks act fully. Issue "emotion control you can see" replaces
these hand values with ones learned from data.
"""

from __future__ import annotations

import numpy as np

from tritalk.types import EMOTIONS, IDX, N_EXPR, EmotionSpec

# AU -> ARKit: AU1 browInnerUp, AU2 browOuterUp*, AU4 browDown*, AU5 eyeWide*, AU6 cheekSquint*,
# AU7 eyeSquint*, AU9 noseSneer*, AU10 mouthUpperUp*, AU12 mouthSmile*, AU14 mouthDimple*,
# AU15 mouthFrown*, AU17 mouthShrugLower, AU20 mouthStretch*, AU23 mouthPress*, AU26 jawOpen.
PROTOTYPES: dict[str, dict[str, float]] = {
    "neutral": {},
    "happy": {"mouthSmile": 0.75, "cheekSquint": 0.55, "eyeSquint": 0.35, "mouthDimple": 0.2},
    "sad": {"browInnerUp": 0.8, "mouthFrown": 0.65, "browDown": 0.15, "mouthShrugLower": 0.35,
            "eyeSquint": 0.2, "mouthPress": 0.2},
    "angry": {"browDown": 0.9, "eyeSquint": 0.45, "mouthPress": 0.5, "noseSneer": 0.3, "mouthFrown": 0.25,
              "eyeWide": 0.15},
    "surprised": {"browInnerUp": 0.85, "browOuterUp": 0.85, "eyeWide": 0.8, "jawOpen": 0.18},
    "fearful": {"browInnerUp": 0.85, "browOuterUp": 0.45, "eyeWide": 0.65, "mouthStretch": 0.5, "browDown": 0.2},
    "disgusted": {"noseSneer": 0.8, "mouthUpperUp": 0.55, "browDown": 0.5, "eyeSquint": 0.4, "cheekSquint": 0.35,
                  "mouthFrown": 0.3},
    "contempt": {"mouthSmileLeft": 0.5, "mouthDimpleLeft": 0.45, "eyeSquint": 0.15, "mouthPressRight": 0.2},
}
LIP_SHAPES = tuple(n for n in IDX if n.startswith("mouth"))


def prototype(name: str) -> np.ndarray:
    """(52,) ARKit vector of an emotion at intensity 1; 'Left'/'Right'-less names apply to both sides."""
    if name not in EMOTIONS:
        raise KeyError(name)
    v = np.zeros(N_EXPR, np.float32)
    for shape, w in PROTOTYPES[name].items():
        if shape in IDX:
            v[IDX[shape]] = w
        else:
            for side in ("Left", "Right"):
                v[IDX[shape + side]] = w
    return v


def emotion_offsets(spec: EmotionSpec, jaw_open: np.ndarray) -> np.ndarray:
    """(T, 52) expression offsets for an emotion over T frames; ``jaw_open`` (T,) from speech."""
    proto = prototype(spec.name) * spec.intensity
    t = jaw_open.shape[0]
    out = np.repeat(proto[None], t, 0)
    lips = [IDX[n] for n in LIP_SHAPES]
    speaking = np.clip(jaw_open / 0.25, 0, 1)[:, None]  # lips follow speech while the jaw is open
    out[:, lips] *= 1.0 - 0.5 * speaking
    return out
