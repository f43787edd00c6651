"""audio/features.py on real speech (tests/data/fleurs_en_000.wav, CC BY 4.0) plus appended silence."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from tritalk.audio.features import FEATURE_NAMES, audio_features
from tritalk.errors import AudioError, ConfigError
from tritalk.io.audio import load_audio
from tritalk.types import AudioClip

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def speech() -> AudioClip:
    return load_audio(DATA / "fleurs_en_000.wav")


@pytest.fixture(scope="module")
def speech_then_silence(speech) -> tuple[AudioClip, float]:
    """The real clip + 1 s of digital silence, and the time [s] where the silence starts."""
    x = np.concatenate([speech.samples, np.zeros(speech.sample_rate, np.float32)])
    return AudioClip(x, speech.sample_rate), speech.duration


@pytest.mark.parametrize("fps", [25.0, 30.0])
def test_one_row_per_video_frame(speech_then_silence, fps):
    clip, _ = speech_then_silence
    f = audio_features(clip, fps)
    assert f.values.shape == (math.ceil(clip.duration * fps), len(FEATURE_NAMES))
    assert f.values.dtype == np.float32 and f.fps == fps and f.names == FEATURE_NAMES
    assert np.isfinite(f.values).all()


def test_length_rounds_up_and_n_frames_overrides():
    clip = AudioClip(np.zeros(16160, np.float32), 16000)  # 1.01 s
    assert len(audio_features(clip, 30.0)) == 31
    assert len(audio_features(clip, 25.0)) == 26
    assert len(audio_features(clip, 25.0, n_frames=40)) == 40


def test_all_zero_clip_is_finite_and_silent():
    f = audio_features(AudioClip(np.zeros(16000, np.float32), 16000), 25.0)
    assert np.isfinite(f.values).all()
    assert np.all(f.column("loudness") == -60.0)
    assert np.all(f.column("mel_10") == -60.0)
    assert f.column("vad").max() < 0.05


def test_voice_activity_follows_speech_and_silence(speech_then_silence):
    clip, t_silence = speech_then_silence
    f = audio_features(clip, 25.0)
    t = np.arange(len(f)) / f.fps
    vad = f.column("vad")
    assert np.mean(vad[t < t_silence] > 0.5) > 0.5  # most of the recording is speech
    assert vad[t > t_silence + 0.2].max() < 0.05  # hangover is short
    loud = f.column("loudness")
    assert loud.min() >= -60.0 and loud.max() <= 0.0
    assert np.all(loud[t > t_silence + 0.05] == -60.0)


def test_levels_do_not_depend_on_recording_gain(speech):
    a = audio_features(speech, 25.0)
    b = audio_features(AudioClip(speech.samples * 0.05, speech.sample_rate), 25.0)
    np.testing.assert_allclose(a.column("loudness"), b.column("loudness"), atol=0.5)
    np.testing.assert_allclose(a.column("vad"), b.column("vad"), atol=0.05)


def test_telephone_band_8khz_gives_the_same_picture(speech):
    x8 = signal.resample_poly(speech.samples.astype(np.float64), 1, 2)
    sos = signal.butter(4, [300, 3400], btype="bandpass", fs=8000, output="sos")
    tel = AudioClip(signal.sosfilt(sos, x8).astype(np.float32), 8000)
    a, b = audio_features(speech, 25.0), audio_features(tel, 25.0)
    assert len(a) == len(b)
    assert np.corrcoef(a.column("loudness_dn"), b.column("loudness_dn"))[0, 1] > 0.85
    assert np.mean((a.column("vad") > 0.5) == (b.column("vad") > 0.5)) > 0.85


def test_noise_floor_is_not_speech(speech_then_silence):
    clip, t_silence = speech_then_silence
    rng = np.random.default_rng(0)
    rms = np.sqrt(np.mean(clip.samples[: int(t_silence * clip.sample_rate)] ** 2))
    noisy = AudioClip((clip.samples + rng.normal(0, rms / 10, clip.samples.shape)).astype(np.float32),
                      clip.sample_rate)  # ~20 dB SNR, noise through the "silence" too
    f = audio_features(noisy, 25.0)
    t = np.arange(len(f)) / f.fps
    vad = f.column("vad")
    assert vad[t > t_silence + 0.2].mean() < 0.1
    assert np.mean(vad[t < t_silence] > 0.5) > 0.4
    assert np.median(f.column("loudness_dn")[t > t_silence + 0.2]) < -40.0  # noise subtracted


def test_pure_noise_has_no_voice():
    rng = np.random.default_rng(1)
    f = audio_features(AudioClip(rng.normal(0, 0.05, 32000).astype(np.float32), 16000), 25.0)
    assert f.column("vad").max() < 0.2


def test_spectral_features_see_pitch_of_a_tone():
    sr = 16000
    t = np.arange(sr) / sr
    on = (t > 0.3) & (t < 0.7)  # a tone burst between silences (a steady tone would be 'noise')

    def burst(hz):
        return AudioClip((0.3 * np.sin(2 * np.pi * hz * t) * on).astype(np.float32), sr)

    low, high = audio_features(burst(400), 25.0), audio_features(burst(2500), 25.0)
    mid = slice(9, 16)
    assert low.column("centroid")[mid].mean() < 0.2 < high.column("centroid")[mid].mean()
    assert low.column("zcr")[mid].mean() < high.column("zcr")[mid].mean()
    # the mel band holding the tone is the loudest one
    mel_low = np.stack([low.column(f"mel_{i:02d}") for i in range(24)], axis=1)[mid].mean(axis=0)
    mel_high = np.stack([high.column(f"mel_{i:02d}") for i in range(24)], axis=1)[mid].mean(axis=0)
    assert np.argmax(mel_low) < np.argmax(mel_high)


def test_bad_input_raises():
    with pytest.raises(AudioError):
        audio_features(AudioClip(np.zeros(0, np.float32), 16000), 25.0)
    with pytest.raises(AudioError):
        audio_features(AudioClip(np.array([0.0, np.nan, 0.0], np.float32), 16000), 25.0)
    with pytest.raises(AudioError):
        audio_features(AudioClip(np.zeros((100, 2), np.float32), 16000), 25.0)
    with pytest.raises(ConfigError):
        audio_features(AudioClip(np.zeros(100, np.float32), 16000), 0.0)
    with pytest.raises(ConfigError):
        audio_features(AudioClip(np.zeros(100, np.float32), 16000), 25.0).column("pitch")
