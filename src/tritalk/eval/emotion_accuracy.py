"""Emotion accuracy of rendered clips, from an expression classifier's per-clip class probabilities.

    rows = confusion({"happy": [probs_portrait1, probs_portrait2, ...], ...})   # probs: {FER2013 class: p}
    acc6, acc7 = mean_accuracy(rows)

The classifiers (the team auditor's fer mini-Xception and PyEmotion, run on the OUTPUT video by
scripts/eval_emotion.py) know the 7 FER2013 classes; the 8 MEAD emotions map onto them by ``TO_CLASS``
(contempt has no class: it is reported but left out of the accuracy). A clip counts as its argmax class.
  accuracy      share of a requested emotion's clips whose argmax is its class
  p_requested   mean probability of the requested class (rising with intensity = monotonic)
  acc6 / acc7   mean accuracy over the 6 emotions FER2013 has besides neutral / with neutral
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from tritalk.types import EMOTIONS

logger = logging.getLogger(__name__)

CLASSES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")  # FER2013 order
TO_CLASS = {"angry": "angry", "disgusted": "disgust", "fearful": "fear", "happy": "happy", "sad": "sad",
            "surprised": "surprise", "neutral": "neutral"}  # MEAD emotion -> FER2013 class (no contempt)


@dataclass(frozen=True)
class ConfusionRow:
    emotion: str  # requested (MEAD name)
    counts: np.ndarray  # (7,) int: clips per argmax class, CLASSES order
    accuracy: float  # NaN for contempt
    p_requested: float  # mean P(requested class) over the clips; NaN for contempt


def confusion(probs: Mapping[str, Sequence[Mapping[str, float]]]) -> list[ConfusionRow]:
    """One row per requested emotion (EMOTIONS order) that has clips: ``probs[emotion]`` holds one
    {class: probability} per clip."""
    rows = []
    for emotion in EMOTIONS:
        clips = [np.array([p[c] for c in CLASSES]) for p in probs.get(emotion, ())]
        if not clips:
            continue
        counts = np.bincount([int(np.argmax(p)) for p in clips], minlength=len(CLASSES))
        target = TO_CLASS.get(emotion)
        k = CLASSES.index(target) if target else None
        rows.append(ConfusionRow(emotion, counts,
                                 counts[k] / counts.sum() if target else float("nan"),
                                 float(np.mean([p[k] for p in clips])) if target else float("nan")))
    return rows


def mean_accuracy(rows: Sequence[ConfusionRow]) -> tuple[float, float]:
    """(acc6: the 6 FER2013 emotions besides neutral, acc7: with neutral); NaN where none were asked for."""
    acc7 = [r.accuracy for r in rows if r.emotion in TO_CLASS]
    acc6 = [r.accuracy for r in rows if r.emotion in TO_CLASS and r.emotion != "neutral"]
    return (float(np.mean(acc6)) if acc6 else float("nan"), float(np.mean(acc7)) if acc7 else float("nan"))
