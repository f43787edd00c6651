"""motion/head.py and motion/gaze.py: smooth, prosody-coupled head motion; gaze fixations and saccades."""

from __future__ import annotations

import numpy as np
import pytest

from tritalk.audio.features import audio_features
from tritalk.errors import ConfigError
from tritalk.io.audio import load_audio
from tritalk.motion.gaze import gaze_track
from tritalk.motion.head import head_track, phrases, stressed_syllables
from tritalk.types import EMOTIONS, AudioClip

FPS = 25.0


@pytest.fixture(scope="module")
def feats(example_audio_path):
    return audio_features(load_audio(example_audio_path), FPS)


def emotion(name: str, n: int) -> np.ndarray:
    w = np.zeros((n, len(EMOTIONS)), np.float32)
    w[:, EMOTIONS.index(name)] = 1.0
    return w


def test_head_is_smooth(feats):
    n = len(feats)
    for seed in range(3):
        deg = np.degrees(head_track(n, FPS, feats, emotion("happy", n), seed=seed)[:, :3])
        d2 = np.abs(np.diff(deg, 2, axis=0))
        assert d2.max() < 0.3  # deg/frame^2: no jerks
        assert np.median(d2) < 0.05  # well under the auditor's pose-noise floor (~0.15)
        assert 0.3 < deg[:, 0].std() < 4.0  # but it does move (real speakers: ~0.3-3 deg)


def test_nods_follow_stressed_syllables(feats):
    n = len(feats)
    frames, prom = stressed_syllables(feats)
    assert len(frames) >= 5
    flat = head_track(n, FPS, None, seed=1)  # idle sway only
    full = head_track(n, FPS, feats, seed=1)
    nod = np.degrees(full[:, 1] - flat[:, 1])  # pitch added by speech (< 0 = chin down)
    near = np.zeros(n, bool)
    for f in frames:
        near[max(f - 2, 0):f + 4] = True
    assert nod[near].mean() < -0.5 and nod[near].mean() < 2 * nod[~near].mean()


def test_head_settles_into_a_new_position_per_phrase(feats):
    n = len(feats)
    ph = phrases(feats.column("vad"), FPS)
    assert len(ph) >= 3
    flat = head_track(n, FPS, None, seed=2)
    full = head_track(n, FPS, feats, seed=2)
    turn = np.degrees(full[:, 0] - flat[:, 0])
    speed = np.abs(np.diff(turn))
    starts = np.zeros(n - 1, bool)
    for a, _ in ph[1:]:
        starts[max(a - 12, 0):a + 10] = True
    assert speed[starts].sum() > 0.8 * speed.sum()  # yaw turns happen around phrase starts


def test_emotion_sets_energy_and_posture(feats):
    n = len(feats)
    sad = np.degrees(head_track(n, FPS, feats, emotion("sad", n), seed=0)[:, :3])
    happy = np.degrees(head_track(n, FPS, feats, emotion("happy", n), seed=0)[:, :3])
    assert sad[:, 0].std() < 0.6 * happy[:, 0].std()
    assert sad[:, 1].mean() < happy[:, 1].mean() - 2.0  # a sad head hangs lower


def test_head_motion_amount(feats):
    n = len(feats)
    assert not head_track(n, FPS, feats, emotion("angry", n), amount=0.0).any()
    half = head_track(n, FPS, feats, amount=0.5, seed=3)
    full = head_track(n, FPS, feats, amount=1.0, seed=3)
    np.testing.assert_allclose(half[:, :3], 0.5 * full[:, :3], atol=1e-6)
    with pytest.raises(ConfigError):
        head_track(n, FPS, feats, amount=1.5)


def test_silence_gives_only_idle_sway():
    n = 250
    silent = audio_features(AudioClip(np.zeros(16000 * 10, np.float32), 16000), FPS, n)
    np.testing.assert_allclose(head_track(n, FPS, silent, seed=5), head_track(n, FPS, None, seed=5), atol=1e-6)


def test_gaze_fixations_and_saccades(feats):
    n = len(feats)
    g = np.degrees(gaze_track(n, FPS, feats, seed=0))
    assert g.shape == (n, 2) and np.abs(g).max() < 15.0
    step = np.linalg.norm(np.diff(g, axis=0), axis=1)
    assert np.mean(step < 0.05) > 0.7  # the eyes rest between saccades (fixations)...
    jumps = np.sum((step[1:] >= 0.3) & (step[:-1] < 0.3))  # ...and move in quick saccades
    minutes = n / FPS / 60
    assert 10 < jumps / minutes < 120


def test_gaze_emotion_and_counter_rotation(feats):
    n = len(feats)
    sad = np.degrees(gaze_track(n, FPS, feats, emotion("sad", n), seed=1))
    neutral = np.degrees(gaze_track(n, FPS, feats, emotion("neutral", n), seed=1))
    assert sad[:, 1].mean() < neutral[:, 1].mean() - 3.0  # sad eyes look down
    head = head_track(n, FPS, feats, seed=1)
    with_vor = np.degrees(gaze_track(n, FPS, feats, head=head, seed=1))
    corr = np.corrcoef(with_vor[:, 0] - neutral[:, 0], np.degrees(head[:, 0]))[0, 1]
    assert corr < -0.99  # the eyes turn against the head: the gaze stays on the viewer
