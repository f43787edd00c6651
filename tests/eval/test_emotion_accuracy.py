"""eval/emotion_accuracy.py: argmax counts, accuracies over the FER2013 emotions, contempt left out."""

from __future__ import annotations

import numpy as np
import pytest

from tritalk.eval.emotion_accuracy import CLASSES, confusion, mean_accuracy


def _probs(top: str, p: float = 0.7) -> dict:
    rest = (1 - p) / (len(CLASSES) - 1)
    return {c: (p if c == top else rest) for c in CLASSES}


def test_confusion_rows_and_accuracies():
    rows = confusion({"happy": [_probs("happy"), _probs("happy")],
                      "sad": [_probs("sad"), _probs("neutral")],
                      "neutral": [_probs("neutral")],
                      "contempt": [_probs("disgust")]})
    by = {r.emotion: r for r in rows}
    assert [r.emotion for r in rows] == ["neutral", "contempt", "happy", "sad"]  # EMOTIONS order
    assert by["happy"].accuracy == 1.0 and by["happy"].p_requested == pytest.approx(0.7)
    assert by["sad"].accuracy == 0.5 and by["sad"].counts[CLASSES.index("neutral")] == 1
    assert np.isnan(by["contempt"].accuracy) and by["contempt"].counts.sum() == 1
    acc6, acc7 = mean_accuracy(rows)
    assert acc6 == pytest.approx(0.75) and acc7 == pytest.approx((1 + 0.5 + 1) / 3)  # contempt left out


def test_no_clips_no_rows():
    assert confusion({}) == [] and all(np.isnan(mean_accuracy([])))
