"""motion/blink.py: natural blink timing and shape."""

from __future__ import annotations

import numpy as np
import pytest

from tritalk.errors import ConfigError
from tritalk.motion.blink import apply_blinks, blink_track
from tritalk.types import IDX, Motion


def segments(track: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) frame ranges where the lid is not fully open."""
    on = np.concatenate([[0], (track > 0).astype(np.int8), [0]])
    d = np.diff(on)
    return list(zip(np.nonzero(d == 1)[0], np.nonzero(d == -1)[0]))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_default_rate_is_natural(seed):
    track = blink_track(60 * 25, 25.0, seed=seed)
    n = len(segments(track))
    assert 8 <= n <= 30  # blinks per minute
    assert track.min() == 0.0 and track.max() == 1.0  # fully closes on a rendered frame


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_duration_and_shape(seed):
    fps = 1000.0  # fine sampling to measure the profile
    track = blink_track(60_000, fps, seed=seed)
    segs = segments(track)
    durations = np.array([(b - a) / fps for a, b in segs])
    assert np.all((durations > 0.09) & (durations < 0.41))
    assert 0.14 < np.median(durations) < 0.27
    for a, b in segs:
        peak = a + int(np.argmax(track[a:b]))
        assert peak - a < b - peak  # closing is faster than opening


def test_blinks_are_spaced_by_the_refractory_time_except_doubles():
    fps = 100.0
    gaps = []
    for seed in range(10):
        segs = segments(blink_track(int(120 * fps), fps, seed=seed))
        gaps += [(segs[i + 1][0] - segs[i][1]) / fps for i in range(len(segs) - 1)]
    gaps = np.array(gaps)
    doubles = gaps < 0.3
    assert 0.02 < doubles.mean() < 0.25  # ~10 % double blinks
    assert gaps[~doubles].min() >= 1.4


def test_rate_parameter_is_honoured():
    slow = np.mean([len(segments(blink_track(6000, 25.0, rate_per_min=8, seed=s))) for s in range(5)]) / 4
    fast = np.mean([len(segments(blink_track(6000, 25.0, rate_per_min=30, seed=s))) for s in range(5)]) / 4
    assert 5 < slow < 11 and 22 < fast < 38  # per minute
    assert not blink_track(500, 25.0, rate_per_min=0).any()


def test_deterministic_per_seed_and_seeds_differ():
    a = blink_track(1500, 25.0, seed=7)
    assert np.array_equal(a, blink_track(1500, 25.0, seed=7))
    assert not np.array_equal(a, blink_track(1500, 25.0, seed=8))
    assert a.dtype == np.float32 and a.shape == (1500,)


def test_apply_blinks_takes_the_max_and_returns_a_new_motion():
    m = Motion.still(500, 25.0)
    m.expr[:, IDX["eyeBlinkLeft"]] = 0.3  # e.g. a squinting emotion
    out = apply_blinks(m, seed=3)
    track = blink_track(500, 25.0, seed=3)
    np.testing.assert_allclose(out.expr[:, IDX["eyeBlinkLeft"]], np.maximum(0.3, track))
    np.testing.assert_allclose(out.expr[:, IDX["eyeBlinkRight"]], track)
    assert np.all(m.expr[:, IDX["eyeBlinkRight"]] == 0.0)  # the input is untouched
    assert out.fps == m.fps and len(out) == len(m)


def test_bad_arguments_raise():
    with pytest.raises(ConfigError):
        blink_track(100, 0.0)
    with pytest.raises(ConfigError):
        blink_track(100, 25.0, rate_per_min=-1)
