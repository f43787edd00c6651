"""motion/speech.py: the v1 generator on real speech (tests/data/fleurs_en_000.wav) + 1 s of silence."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import signal
from scipy.ndimage import gaussian_filter1d

from tritalk.arkit import shape_columns
from tritalk.audio.features import audio_features
from tritalk.errors import WeightsError
from tritalk.motion.speech import MOUTH_TARGETS, SpeechMotion, SpeechWeights, default_weights_path
from tritalk.io.audio import load_audio
from tritalk.types import BLENDSHAPES, IDX, AudioClip

DATA = Path(__file__).resolve().parents[1] / "data"
MOUTH = [IDX[n] for n in BLENDSHAPES if n.startswith(("jaw", "mouth"))]


@pytest.fixture(scope="module")
def model() -> SpeechMotion:
    return SpeechMotion()


@pytest.fixture(scope="module")
def clip_and_silence_start() -> tuple[AudioClip, float]:
    speech = load_audio(DATA / "fleurs_en_000.wav")
    x = np.concatenate([speech.samples, np.zeros(speech.sample_rate, np.float32)])
    return AudioClip(x, speech.sample_rate), speech.duration


@pytest.fixture(scope="module")
def run25(model, clip_and_silence_start):
    clip, t_silence = clip_and_silence_start
    feats = audio_features(clip, 25.0)
    motion = model.generate(feats)
    t = np.arange(len(feats)) / feats.fps
    return feats, motion, t, t_silence


def test_mouth_moves_in_speech_and_rests_in_silence(run25):
    feats, motion, t, t_silence = run25
    jaw = motion.expr[:, IDX["jawOpen"]]
    speech = (t < t_silence) & (feats.column("vad") > 0.5)
    silence = t >= t_silence
    assert speech.sum() > 100 and silence.sum() == 25
    assert jaw[speech].mean() > 3 * jaw[silence].mean()
    assert jaw[speech].mean() > 0.08
    assert jaw[silence].max() < 0.05
    assert np.abs(motion.expr[silence][:, MOUTH]).max() < 0.05  # the whole mouth is at rest


def test_jaw_follows_loudness(run25):
    feats, motion, _, _ = run25
    r = np.corrcoef(motion.expr[:, IDX["jawOpen"]], feats.column("loudness"))[0, 1]
    assert r > 0.3


def test_speech_amplitude_is_calibrated(run25):
    feats, motion, t, t_silence = run25
    jaw = motion.expr[:, IDX["jawOpen"]]
    speech = (t < t_silence) & (feats.column("vad") > 0.5)
    assert 0.2 < np.percentile(jaw[speech], 95) < 0.7  # visible, not gaping
    assert 0.0 <= motion.expr.min() and motion.expr.max() <= 1.0


def test_smooth_but_keeps_syllable_rhythm(run25):
    feats, motion, t, t_silence = run25
    jaw = motion.expr[:, IDX["jawOpen"]]
    speech = (t < t_silence) & (feats.column("vad") > 0.5)
    assert np.median(np.abs(np.diff(jaw, 2))) < 0.015  # no frame-to-frame jitter (unsmoothed: ~0.018)
    peaks, _ = signal.find_peaks(jaw, prominence=0.03)
    rate = len(peaks) / (speech.sum() / feats.fps)
    assert 2.0 < rate < 7.0  # opens and closes at syllable rate, not once per phrase
    # The syllable-rate part (what a 150 ms smoothing removes) is a large share of the motion.
    syllabic = jaw - gaussian_filter1d(jaw.astype(np.float64), 0.15 * feats.fps)
    assert syllabic[speech].std() > 0.035 and syllabic[speech].std() > 0.35 * jaw[speech].std()


def test_only_mouth_channels_are_written(run25):
    _, motion, _, _ = run25
    others = [i for i in range(len(BLENDSHAPES)) if i not in MOUTH]
    assert np.all(motion.expr[:, others] == 0.0)
    assert np.all(motion.head == 0.0) and np.all(motion.gaze == 0.0)
    for target in MOUTH_TARGETS:  # symmetric pairs are written to both sides
        cols = shape_columns(target)
        assert np.array_equal(motion.expr[:, cols[0]], motion.expr[:, cols[-1]])


def test_all_zero_clip_gives_a_closed_mouth(model):
    feats = audio_features(AudioClip(np.zeros(32000, np.float32), 16000), 25.0)
    motion = model.generate(feats)
    assert np.isfinite(motion.expr).all()
    assert np.abs(motion.expr).max() < 0.01


@pytest.mark.parametrize("fps", [25.0, 30.0])
def test_length_and_fps(model, clip_and_silence_start, fps):
    clip, _ = clip_and_silence_start
    motion = model.generate(audio_features(clip, fps))
    assert len(motion) == math.ceil(clip.duration * fps)
    assert motion.fps == fps


def test_same_motion_at_25_and_30_fps(model, clip_and_silence_start):
    clip, _ = clip_and_silence_start
    j25 = model.generate(audio_features(clip, 25.0)).expr[:, IDX["jawOpen"]]
    j30 = model.generate(audio_features(clip, 30.0)).expr[:, IDX["jawOpen"]]
    j30_on_25 = np.interp(np.arange(len(j25)) / 25.0, np.arange(len(j30)) / 30.0, j30)
    assert np.corrcoef(j25, j30_on_25)[0, 1] > 0.85


def test_telephone_audio_still_drives_the_mouth(model, clip_and_silence_start):
    clip, t_silence = clip_and_silence_start
    tel = AudioClip(signal.resample_poly(clip.samples.astype(np.float64), 1, 2).astype(np.float32), 8000)
    wide = model.generate(audio_features(clip, 25.0)).expr[:, IDX["jawOpen"]]
    narrow = model.generate(audio_features(tel, 25.0)).expr[:, IDX["jawOpen"]]
    assert np.corrcoef(wide, narrow)[0, 1] > 0.8
    assert narrow[np.arange(len(narrow)) / 25.0 >= t_silence].max() < 0.05


def test_lips_close_on_short_gaps_inside_speech(model):
    """Vowel-like syllables separated by 70 ms gaps (a stop closure): lips come together in the gaps."""
    sr = 16000
    n = int(0.18 * sr)
    pulses = np.zeros(n)
    pulses[:: sr // 130] = 1.0  # 130 Hz glottal pulses
    vowel = pulses
    for f, bw in ((700, 80), (1200, 90), (2600, 120)):  # an /a/-like vowel
        r = np.exp(-np.pi * bw / sr)
        vowel = signal.lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * f / sr), r * r], vowel)
    vowel = 0.3 * vowel / np.abs(vowel).max()
    gap = np.zeros(int(0.07 * sr))
    x = np.concatenate([np.zeros(sr // 2), *[np.concatenate([vowel, gap]) for _ in range(8)], np.zeros(sr)])
    feats = audio_features(AudioClip(x.astype(np.float32), sr), 25.0)
    e = model.generate(feats).expr
    lip_gap = e[:, IDX["jawOpen"]] - e[:, IDX["mouthClose"]]  # > 0: lips apart
    level = feats.column("loudness_dn")
    inside = (feats.column("vad") > 0.9) & (np.arange(len(feats)) > 16) & (np.arange(len(feats)) < 60)
    gaps, vowels = inside & (level < -10.0), inside & (level > -3.0)  # 70 ms gaps straddle 40 ms frames
    assert gaps.sum() >= 4 and vowels.sum() >= 8
    assert lip_gap[gaps].mean() < 0.5 * lip_gap[vowels].mean()
    assert lip_gap[gaps].min() < 0.02  # fully closed where the gap fills a frame


def test_deterministic(model, run25):
    feats, motion, _, _ = run25
    again = model.generate(feats, seed=5)
    assert np.array_equal(motion.expr, again.expr)


def test_weights_file_round_trips_and_bad_files_fail(tmp_path):
    w = SpeechWeights.load(default_weights_path())
    assert w.targets == MOUTH_TARGETS and "jawOpen" in w.targets
    assert w.info["clips"]  # provenance is stored with the weights
    w.save(tmp_path / "w.npz")
    w2 = SpeechWeights.load(tmp_path / "w.npz")
    np.testing.assert_allclose(w2.weights, w.weights, rtol=1e-6)
    with pytest.raises(WeightsError):
        SpeechWeights.load(tmp_path / "missing.npz")
    np.savez(tmp_path / "bad.npz", weights=np.zeros((3, 3)))
    with pytest.raises(WeightsError):
        SpeechWeights.load(tmp_path / "bad.npz")


def test_config_is_checked():
    from tritalk.errors import ConfigError
    from tritalk.motion.speech import SpeechMotionConfig

    with pytest.raises(ConfigError):
        SpeechMotionConfig(gate_on=(0.7, 0.3))
    with pytest.raises(ConfigError):
        SpeechMotionConfig(jaw_gain=-1.0)
