"""No-reference face measures: detection rate, blinks per minute, head-pose jitter."""

import numpy as np
import pytest

from tritalk.eval.face_stats import blink_rate, detection_rate, pose_jitter
from tritalk.types import IDX, N_EXPR


def test_detection_rate():
    assert detection_rate(np.array([True, True, False, True])) == 0.75


def test_two_blinks_in_six_seconds_is_twenty_per_minute():
    expr = np.zeros((150, N_EXPR), np.float32)
    for start in (20, 90):
        expr[start:start + 4, [IDX["eyeBlinkLeft"], IDX["eyeBlinkRight"]]] = 0.8
    expr[50, IDX["eyeBlinkLeft"]] = 0.6  # one eye half-closed for a frame: mean 0.3, not a blink
    assert blink_rate(expr, 25.0) == pytest.approx(20.0)


def test_pose_jitter_ignores_a_smooth_turn_and_sees_shake():
    t = np.arange(50)
    smooth = np.zeros((50, 6))
    smooth[:, 0] = np.radians(0.5 * t)  # constant turning speed: no second difference
    assert pose_jitter(smooth) == pytest.approx(0.0, abs=1e-9)
    shake = np.zeros((50, 6))
    shake[::2, 1] = np.radians(1.0)  # pitch alternates 0 / 1 deg: |second difference| = 2 deg
    assert pose_jitter(shake) == pytest.approx(2.0 / 3, rel=1e-6)
