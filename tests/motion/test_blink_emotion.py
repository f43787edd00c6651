"""motion/blink.py: emotion-dependent blink rate, duration and double blinks."""

from __future__ import annotations

import numpy as np
import pytest

from tritalk.errors import ConfigError
from tritalk.motion.blink import blink_track
from tritalk.types import EMOTIONS

FPS = 25.0


def track_of(name: str, n: int, intensity: float = 1.0) -> np.ndarray:
    w = np.zeros((n, len(EMOTIONS)), np.float32)
    w[:, EMOTIONS.index(name)] = intensity
    w[:, 0] += 1.0 - intensity
    return w


def segments(track: np.ndarray) -> list[tuple[int, int]]:
    on = np.concatenate([[0], (track > 0).astype(np.int8), [0]])
    d = np.diff(on)
    return list(zip(np.nonzero(d == 1)[0], np.nonzero(d == -1)[0]))


def rate_per_min(name: str, seconds: float = 600.0, fps: float = FPS) -> float:
    n = int(seconds * fps)
    return np.mean([len(segments(blink_track(n, fps, seed=s, emotion=track_of(name, n)))) for s in range(3)]) * 60 / seconds


def test_rate_depends_on_emotion_and_stays_natural():
    rates = {e: rate_per_min(e) for e in EMOTIONS}
    assert min(rates["fearful"], rates["angry"]) > rates["neutral"] > rates["sad"] > rates["surprised"]
    for e, r in rates.items():
        assert 8 <= r <= 30, (e, r)  # people blink ~10-25 times a minute; anxiety pushes it up


def test_sad_blinks_last_longer():
    fps = 200.0
    n = int(300 * fps)

    def durations(name):
        return np.array([(b - a) / fps for s in range(2)
                         for a, b in segments(blink_track(n, fps, seed=s, emotion=track_of(name, n)))])

    sad, neutral = durations("sad"), durations("neutral")
    assert np.median(sad) > 1.15 * np.median(neutral)
    assert sad.max() < 0.41  # still within 100-400 ms


def test_fear_has_more_double_blinks():
    fps = 100.0
    n = int(600 * fps)

    def doubles(name):
        gaps = []
        for s in range(3):
            segs = segments(blink_track(n, fps, seed=s, emotion=track_of(name, n)))
            gaps += [(segs[i + 1][0] - segs[i][1]) / fps for i in range(len(segs) - 1)]
        return np.mean(np.array(gaps) < 0.3)

    assert doubles("fearful") > 1.2 * doubles("neutral")


def test_intensity_zero_and_no_emotion_give_the_same_blinks():
    n = 1500
    a = blink_track(n, FPS, seed=4)
    b = blink_track(n, FPS, seed=4, emotion=track_of("fearful", n, intensity=0.0))
    np.testing.assert_array_equal(a, b)


def test_rate_follows_a_timeline():
    n = int(600 * FPS)
    w = track_of("surprised", n)
    w[n // 2:] = track_of("fearful", n - n // 2)
    counts = np.zeros(2)
    for s in range(3):
        segs = segments(blink_track(n, FPS, seed=s, emotion=w))
        counts += [sum(a < n // 2 for a, _ in segs), sum(a >= n // 2 for a, _ in segs)]
    assert counts[1] > 1.5 * counts[0]  # fear (x1.2) vs surprise (x0.65)


def test_bad_emotion_track_shape_raises():
    with pytest.raises(ConfigError):
        blink_track(100, FPS, emotion=np.zeros((50, len(EMOTIONS)), np.float32))
