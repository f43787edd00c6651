"""Audio-video offset and mouth-loudness correlation: a lagged audio gives the expected offset."""

import numpy as np
import pytest

from tritalk.eval.sync_metrics import av_offset, loudness_envelope, mouth_loudness_r

FPS = 25.0


def bursts(n: int = 100, seed: int = 0) -> np.ndarray:
    """(n,) syllable-like envelope: random bursts of 3-8 frames."""
    rng = np.random.default_rng(seed)
    env = np.zeros(n)
    t = 2
    while t < n - 8:
        k = int(rng.integers(3, 9))
        env[t:t + k] = rng.uniform(0.5, 1.0)
        t += k + int(rng.integers(2, 6))
    return env


@pytest.mark.parametrize("lag", [-3, 0, 2, 5])
def test_lagged_mouth_gives_the_expected_offset(lag):
    loud = bursts()
    mouth = 0.1 * np.roll(loud, lag)  # the mouth moves `lag` frames after the sound
    assert av_offset(mouth, loud, FPS) == lag


def test_offset_from_real_audio_envelope():
    sr = 16000
    env = np.repeat(bursts(75, seed=3), sr // 25)
    audio = np.random.default_rng(0).normal(0, 1, len(env)) * env
    loud = loudness_envelope(audio, sr, FPS, 75)
    mouth = np.roll(np.clip(loud + 60, 0, None), 2)
    assert av_offset(mouth, loud, FPS) == 2
    assert mouth_loudness_r(np.clip(loud + 60, 0, None), loud) > 0.9


def test_still_mouth_has_no_offset_and_no_correlation():
    loud = bursts()
    assert np.isnan(av_offset(np.zeros_like(loud), loud, FPS))
    assert np.isnan(mouth_loudness_r(np.zeros_like(loud), loud))
    # a still photo measured by MediaPipe: tiny jitter that happens to correlate is not a moving mouth
    jitter = 0.002 + 0.001 * loud
    assert np.isnan(av_offset(jitter, loud, FPS)) and np.isnan(mouth_loudness_r(jitter, loud))
