"""Behavioural tests for tritalk.io.audio: any recording (or a video's audio track) in, mono float32 out."""

from __future__ import annotations

import struct

import av
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tritalk.errors import AudioError, ConfigError
from tritalk.io.audio import load_audio
from tritalk.types import AudioClip

from io_helpers import encode_audio, gradient, peak_hz, tone, write_video, write_wav

FAST = settings(max_examples=20, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_wav_8k_stereo_int16_becomes_16k_mono_with_same_pitch(tmp_path):
    left = tone(1000, 1.5, 8000, amp=0.6)
    pcm = np.stack([left, np.zeros_like(left)], axis=1)  # tone on the left channel only
    write_wav(tmp_path / "s.wav", (pcm * 32767).astype(np.int16), 8000)

    clip = load_audio(tmp_path / "s.wav")
    assert clip.sample_rate == 16000 and clip.samples.dtype == np.float32
    assert clip.samples.ndim == 1
    assert abs(clip.duration - 1.5) < 1e-3
    assert abs(peak_hz(clip.samples, 16000) - 1000) < 3
    assert 0.1 < np.abs(clip.samples).max() <= 1.0


def test_silence_is_valid_audio(tmp_path):
    write_wav(tmp_path / "quiet.wav", np.zeros((8000, 1), np.int16), 16000)
    clip = load_audio(tmp_path / "quiet.wav")
    assert abs(clip.duration - 0.5) < 1e-3 and not clip.samples.any()


def test_max_seconds_keeps_the_start(tmp_path):
    x = np.concatenate([tone(300, 1.0, 16000), tone(2000, 2.0, 16000)])
    write_wav(tmp_path / "long.wav", (x[:, None] * 32767).astype(np.int16), 16000)
    clip = load_audio(tmp_path / "long.wav", max_seconds=0.75)
    assert clip.samples.shape[0] == 12000
    assert abs(peak_hz(clip.samples, 16000) - 300) < 5


@pytest.mark.parametrize("name, codec, rate", [
    ("a.mp3", "libmp3lame", 44100),
    ("a.flac", "flac", 22050),
    ("a.ogg", "libopus", 48000),
    ("a.m4a", "aac", 44100),
])
def test_compressed_formats_decode_with_right_duration(tmp_path, name, codec, rate):
    if codec not in av.codecs_available:
        pytest.skip(f"PyAV build has no {codec} encoder")
    encode_audio(tmp_path / name, codec, rate, tone(440, 1.3, rate))
    clip = load_audio(tmp_path / name)
    assert clip.sample_rate == 16000
    assert abs(clip.duration - 1.3) < 0.05
    assert abs(peak_hz(clip.samples, 16000) - 440) < 5


@pytest.mark.parametrize("name, codec, rate", [("a.flac", "flac", 16000), ("a.mp3", "libmp3lame", 44100),
                                               ("a.wav", None, 16000)])
def test_truncated_file_is_an_audio_error(tmp_path, name, codec, rate):
    # a cut download must not silently become a shorter video: the header says how long it was
    if codec is None:
        write_wav(tmp_path / name, (tone(440, 4.0, rate) * 32767).astype(np.int16)[:, None], rate)
    else:
        if codec not in av.codecs_available:
            pytest.skip(f"PyAV build has no {codec} encoder")
        encode_audio(tmp_path / name, codec, rate, tone(440, 4.0, rate))
    assert abs(load_audio(tmp_path / name).duration - 4.0) < 0.05  # the whole file is fine
    data = (tmp_path / name).read_bytes()
    (tmp_path / ("cut" + name)).write_bytes(data[: len(data) * 3 // 4])  # ends inside a frame
    with pytest.raises(AudioError, match=r"truncated .* header says 4\.00 s but only [23]\.\d\d s decode") as e:
        load_audio(tmp_path / ("cut" + name))
    assert "\n" not in str(e.value)
    # asking only for the part that is there is fine
    assert load_audio(tmp_path / ("cut" + name), max_seconds=1.0).duration == pytest.approx(1.0, abs=1e-3)


def test_streamed_wav_without_sizes_is_not_truncated(tmp_path):
    # recorders that stream WAV write 0 / 0xFFFFFFFF as the sizes: the length is unknown, not cut
    write_wav(tmp_path / "a.wav", (tone(440, 1.0, 16000) * 32767).astype(np.int16)[:, None], 16000)
    data = bytearray((tmp_path / "a.wav").read_bytes())
    i = data.index(b"data")
    data[i + 4:i + 8] = struct.pack("<I", 0xFFFFFFFF)
    data[4:8] = struct.pack("<I", 0xFFFFFFFF)
    (tmp_path / "s.wav").write_bytes(bytes(data))
    assert abs(load_audio(tmp_path / "s.wav").duration - 1.0) < 0.01


def test_audio_track_of_an_mp4(tmp_path):
    sr = 16000
    audio = AudioClip(tone(440, 1.2, sr), sr)
    write_video(tmp_path / "v.mp4", np.repeat(gradient(32, 32)[None], 30, axis=0), 25, audio)
    clip = load_audio(tmp_path / "v.mp4")
    assert abs(clip.duration - 1.2) < 1e-3  # AAC pads to 1024-sample frames; the edit list trims
    assert abs(peak_hz(clip.samples, sr) - 440) < 5


def test_audio_errors(tmp_path):
    write_wav(tmp_path / "empty.wav", np.zeros((0, 1), np.int16), 16000)
    with pytest.raises(AudioError, match=r"empty\.wav' holds no audio samples"):
        load_audio(tmp_path / "empty.wav")

    write_wav(tmp_path / "blip.wav", np.zeros((400, 1), np.int16), 8000)  # 50 ms
    with pytest.raises(AudioError, match="at least 0.1 s"):
        load_audio(tmp_path / "blip.wav")

    (tmp_path / "text.wav").write_text("hello, this is not audio\n" * 10)
    with pytest.raises(AudioError, match=r"cannot read audio '.*text\.wav'.*WAV, MP3"):
        load_audio(tmp_path / "text.wav")

    with pytest.raises(AudioError, match="no such file"):
        load_audio(tmp_path / "missing.wav")
    with pytest.raises(AudioError, match="folder"):
        load_audio(tmp_path)

    write_video(tmp_path / "mute.mp4", np.zeros((5, 16, 16, 3), np.uint8), 25, None)
    with pytest.raises(AudioError, match=r"mute\.mp4' has no audio track"):
        load_audio(tmp_path / "mute.mp4")


def test_bad_sample_rate_is_config_error(tmp_path):
    with pytest.raises(ConfigError):
        load_audio(tmp_path / "x.wav", sample_rate=0)


@FAST
@given(rate=st.integers(8000, 48000), channels=st.integers(1, 2),
       seconds=st.floats(0.12, 0.8), seed=st.integers(0, 2**32 - 1))
def test_load_audio_property_duration(tmp_path, rate, channels, seconds, seed):
    n = int(seconds * rate)
    pcm = np.random.default_rng(seed).integers(-32768, 32768, (n, channels)).astype(np.int16)
    write_wav(tmp_path / "r.wav", pcm, rate)

    clip = load_audio(tmp_path / "r.wav")
    assert clip.samples.dtype == np.float32 and clip.samples.ndim == 1
    assert abs(clip.duration - n / rate) <= 2 / rate + 1e-3
    assert np.abs(clip.samples).max() <= 1.0


@FAST
@given(data=st.one_of(st.binary(max_size=2048),
                      st.binary(max_size=1024).map(lambda b: b"RIFF\x24\x08\x00\x00WAVEfmt " + b),
                      st.binary(max_size=1024).map(lambda b: b"ID3\x03\x00" + b)))
def test_fuzz_random_bytes_give_audio_error_or_a_clip(tmp_path, data):
    (tmp_path / "fuzz.wav").write_bytes(data)
    try:
        clip = load_audio(tmp_path / "fuzz.wav")
    except AudioError as e:
        assert "\n" not in str(e)
    else:
        assert clip.duration >= 0.1 and np.abs(clip.samples).max() <= 1.0
