"""Emotion prototypes: the 8 MEAD emotions as hand-tuned whole-face FACS prototypes on ARKit shapes.

``PROTOTYPES`` holds each emotion's face at intensity 1 (Ekman & Friesen's EMFACS, e.g. happy = AU6
cheek raiser + AU12 lip-corner puller + AU25 lips part); ``SPEAKING`` and ``JAW_GAIN`` the "jaw
tension" an emotion adds while the mouth speaks. Each entry names the action units it stands for and,
where it was tuned, what was measured. ``EmotionModel`` (motion/emotion.py) blends them into the
speech motion; ``EmotionStats`` (motion/emotion_stats.py) can replace them with means learned from video.

AU -> ARKit: AU1 browInnerUp, AU2 browOuterUp*, AU4 browDown*, AU5 eyeWide*, AU6 cheekSquint*,
AU7 eyeSquint*, AU9 noseSneer*, AU10 mouthUpperUp*, AU12 mouthSmile*, AU14 mouthDimple*,
AU15 mouthFrown*, AU16 mouthLowerDown*, AU17 mouthShrugLower, AU20 mouthStretch*,
AU23/24 mouthPress*, AU25/26 jawOpen (+ lips part), AU43 (lid droop) eyeBlink* below closure.
"""

from __future__ import annotations

import numpy as np

from tritalk.arkit import shape_vector
from tritalk.types import EMOTIONS

# Intensity-1 prototypes. A name without Left/Right that is not itself an ARKit name stands for
# both sides. Strong on purpose: the mesh engine warps a photo, so an emotion must move the
# whole face (brows, lids, cheeks, nose, mouth corners) to read as that emotion.
PROTOTYPES: dict[str, dict[str, float]] = {
    "neutral": {},
    # AU6 + AU12 (+ AU25): cheeks raised, lip corners pulled up, lips apart over the teeth
    "happy": {"mouthSmile": 1.0, "cheekSquint": 1.0, "eyeSquint": 0.35, "mouthDimple": 0.3,
              "browOuterUp": 0.1},
    # AU1 + AU4 + AU15 + AU17: inner brows up and drawn together, corners down, chin raised, lids heavy
    "sad": {"browInnerUp": 1.0, "browDown": 0.8, "mouthFrown": 1.0, "mouthShrugLower": 0.4, "mouthPress": 0.3,
            "mouthRollLower": 0.2, "eyeSquint": 0.3, "eyeBlink": 0.15},
    # AU4 + AU5 + AU7 + AU9 (+ AU16/25 while speaking): brows down and together, a glare (upper lids
    # up, lids slightly tightened: more squint hides the blinks and unsettles face trackers), nose
    # wrinkled; the lower lip drops off the teeth while speaking (``SPEAKING``). A snarl held at rest
    # (AU10 + AU20 in the prototype) made the lips flicker open and shut between words and read as a
    # smile; a full nose wrinkle doubles how much each jaw movement shifts a face tracker's head pitch
    # (measured 0.8 -> 1.7 deg per 0.3 jawOpen): both showed as head jitter (0.25-0.30 deg/frame vs
    # 0.12 neutral). The pressed-lips variant AU23/24 reads as neutral or sad.
    "angry": {"browDown": 1.0, "eyeSquint": 0.2, "eyeWide": 0.3, "noseSneer": 0.8, "cheekSquint": 0.2},
    # AU1 + AU2 + AU5 + AU26: brows high, eyes wide, jaw dropped
    "surprised": {"browInnerUp": 1.0, "browOuterUp": 1.0, "eyeWide": 1.0, "jawOpen": 0.22, "mouthFunnel": 0.15},
    # AU1 + AU2 + AU4 + AU5 + AU20 + AU25: brows up and drawn together, eyes wide, lips stretched apart
    # and back (a little AU15: without it the stretched lips over the teeth read as a grin on some faces)
    "fearful": {"browInnerUp": 1.0, "browOuterUp": 0.5, "browDown": 0.7, "eyeWide": 1.0, "mouthStretch": 0.6,
                "mouthFrown": 0.3, "mouthLowerDown": 0.8, "jawOpen": 0.2},
    # AU9 + AU10 + AU15 + AU17 (+ AU18) with AU4 + AU6: nose wrinkled, upper lip raised, corners down,
    # chin raised, brows a little lowered, cheeks pushed up against the lower lids. A strong nose
    # wrinkle alone reads as anger; the raised cheeks and weaker wrinkle read as disgust (fer on the
    # tuning portraits' stills: P(disgust) 0.22 -> 0.42, over a 64-combination search)
    "disgusted": {"noseSneer": 0.3, "mouthUpperUp": 0.7, "eyeSquint": 0.2, "mouthFrown": 1.0, "mouthShrugLower": 1.0,
                  "mouthRollLower": 0.6, "mouthPucker": 0.4, "browDown": 0.4, "cheekSquint": 0.6},
    # unilateral AU12 + AU14 (the subject's left lip corner), a slight squint
    "contempt": {"mouthSmileLeft": 0.8, "mouthDimpleLeft": 0.9, "mouthLeft": 0.3, "eyeSquint": 0.25,
                 "browOuterUpLeft": 0.3, "noseSneerLeft": 0.2, "mouthPressRight": 0.3},
}

# "Jaw tension" while speaking, per emotion at intensity 1: extra lip parting that rides on the
# speech (scaled by how much the mouth speaks, so the lips still meet in pauses and closures)
# and a gain on the speech jaw. A happy speaker shows the teeth, a surprised or frightened one
# opens wide, a disgusted one bares the upper teeth, an angry one the lower ones. A sad one drops the
# lower lip a little: the chin raise and pressed lips of the sad rest face otherwise shut small
# syllables (mouth-loudness correlation 0.83x neutral without it, 0.98-1.03x with it).
SPEAKING: dict[str, dict[str, float]] = {
    "neutral": {},
    "happy": {"mouthLowerDown": 0.55, "mouthUpperUp": 0.25},
    "sad": {"mouthLowerDown": 0.3},
    "angry": {"mouthLowerDown": 0.4},
    "surprised": {"mouthLowerDown": 0.3, "jawOpen": 0.25},
    "fearful": {"mouthLowerDown": 0.8, "jawOpen": 0.15},
    "disgusted": {"mouthUpperUp": 0.6, "mouthLowerDown": 0.3},
    "contempt": {},
}
JAW_GAIN: dict[str, float] = {
    "neutral": 1.0, "happy": 1.15, "sad": 1.0, "angry": 1.1, "surprised": 2.5, "fearful": 2.0,
    "disgusted": 1.1, "contempt": 1.0,
}


def prototype(name: str) -> np.ndarray:
    """(52,) ARKit offsets of a hand-tuned emotion prototype at intensity 1."""
    if name not in EMOTIONS:
        raise KeyError(name)
    return shape_vector(PROTOTYPES[name])
