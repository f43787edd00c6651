"""eval/motion_metrics.py: a generator that replays the measurement scores perfectly, a still mouth does not."""

from __future__ import annotations

import numpy as np
import pytest

from tritalk.eval.baselines import StillMouth
from tritalk.eval.motion_metrics import DEGRADATIONS, degraded_audio, evaluate_clip
from tritalk.types import Motion

from eval_helpers import measured_clip  # noqa: F401  (fixture)


class Replay:
    """Predicts exactly what MediaPipe measured on the clip."""

    def __init__(self, expr: np.ndarray):
        self.expr = expr

    def generate(self, features, seed: int = 0) -> Motion:
        n = len(features)
        return Motion(self.expr[:n], np.zeros((n, 6), np.float32), np.zeros((n, 2), np.float32), features.fps)


def test_replayed_measurement_scores_r_one_at_lag_zero(measured_clip):
    row = evaluate_clip(Replay(measured_clip["expr"]), measured_clip, kinds=())
    assert row["clip"] == "clip0"
    assert row["jaw_r"] == pytest.approx(1.0, abs=1e-4) and row["lag_frames"] == 0
    assert not any(k.startswith("jaw_r_") for k in row)  # no degraded audio asked for
    assert row["pbm_n"] == 2


def test_still_mouth_has_no_correlation_and_keeps_the_lips_shut(measured_clip):
    row = evaluate_clip(StillMouth(), measured_clip)
    assert np.isnan(row["jaw_r"])  # a constant has no correlation
    assert row["silence_jaw"] == 0.0 or np.isnan(row["silence_jaw"])  # NaN: no pause in the clip
    assert row["pbm_shut"] == row["pbm_n"] == 2  # a shut mouth is shut on every bilabial
    assert {f"jaw_r_{k}" for k in DEGRADATIONS} <= set(row)


def test_degraded_audio_is_reproducible_per_seed(measured_clip):
    x = measured_clip["audio"]
    assert np.array_equal(degraded_audio(x, "clean", 0).samples, x)
    for kind in DEGRADATIONS:
        a, b = degraded_audio(x, kind, 100), degraded_audio(x, kind, 100)
        assert np.array_equal(a.samples, b.samples) and a.sample_rate == b.sample_rate, kind
        assert np.isfinite(a.samples).all() and not np.array_equal(a.samples, x), kind
    for kind in ("noise", "music"):  # a new seed, a new bed
        assert not np.array_equal(degraded_audio(x, kind, 100).samples, degraded_audio(x, kind, 101).samples)
