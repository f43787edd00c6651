"""Behavioural tests for tritalk.io.media: images in, audio in, atomic mp4 out."""

from __future__ import annotations

import os
import struct
import wave
import zlib
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tritalk.errors import AudioError, ConfigError, ImageError, OutputError
from tritalk.io.media import VideoWriter, load_audio, load_image, probe_video, read_video_frames
from tritalk.types import AudioClip

FAST = settings(max_examples=20, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def tone(freq: float, seconds: float, rate: int, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(round(seconds * rate))) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_hz(x: np.ndarray, rate: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spec)) * rate / len(x)


def write_wav(path: Path, pcm: np.ndarray, rate: int) -> None:
    """pcm: (N, C) int16."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.ascontiguousarray(pcm, dtype="<i2").tobytes())


def encode_audio(path: Path, codec: str, rate: int, x: np.ndarray) -> None:
    """Encode mono float samples with PyAV; the container comes from the file extension."""
    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=rate)
        s.layout = "mono"
        f = av.AudioFrame.from_ndarray(x[None, :].astype(np.float32), format="flt", layout="mono")
        f.sample_rate, f.pts = rate, 0
        c.mux(s.encode(f))  # the encoder cuts codec-sized frames itself
        c.mux(s.encode(None))


def gradient(h: int, w: int) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = np.linspace(0, 255, w)[None, :]
    img[..., 1] = np.linspace(0, 255, h)[:, None]
    img[..., 2] = 160
    return img


def write_video(path: Path, frames: np.ndarray, fps: float, audio: AudioClip | None) -> None:
    h, w = frames.shape[1:3]
    with VideoWriter(path, w, h, fps, audio) as vw:
        vw.write(frames)
    assert vw.n_frames == len(frames)


def png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG whose IHDR claims width x height; Pillow checks the size before decoding."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                     + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b""))


# ---------------------------------------------------------------------------------------------
# load_image
# ---------------------------------------------------------------------------------------------

def test_exif_orientation_6_rotates_clockwise(tmp_path):
    img = np.zeros((20, 40, 3), np.uint8)  # stored landscape: left half red, right half blue
    img[:, :20] = (255, 0, 0)
    img[:, 20:] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    Image.fromarray(img).save(tmp_path / "rot.jpg", exif=exif, quality=95)

    out = load_image(tmp_path / "rot.jpg")
    assert out.shape == (40, 20, 3) and out.dtype == np.uint8
    # rotating clockwise puts the stored left edge (red) on top
    assert np.abs(out[5, 10].astype(int) - (255, 0, 0)).max() < 40
    assert np.abs(out[35, 10].astype(int) - (0, 0, 255)).max() < 40


def test_rgba_is_composited_on_white(tmp_path):
    rgba = np.zeros((8, 24, 4), np.uint8)
    rgba[:, :8] = (0, 0, 0, 0)  # fully transparent black -> white
    rgba[:, 8:16] = (255, 0, 0, 255)  # opaque red stays red
    rgba[:, 16:] = (0, 0, 0, 128)  # half transparent black -> mid gray
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")

    out = load_image(tmp_path / "a.png").astype(int)
    assert out.shape == (8, 24, 3)
    assert (out[:, :8] == 255).all()
    assert (out[:, 8:16] == (255, 0, 0)).all()
    assert np.abs(out[:, 16:] - 127).max() <= 1


def test_palette_with_transparency_is_composited_on_white(tmp_path):
    im = Image.new("P", (10, 10), 0)
    im.putpalette([0, 0, 0, 0, 255, 0] + [0] * 762)
    im.paste(1, (5, 0, 10, 10))
    im.save(tmp_path / "p.png", transparency=0)
    out = load_image(tmp_path / "p.png")
    assert (out[:, :5] == 255).all() and (out[:, 5:] == (0, 255, 0)).all()


def test_grayscale_8_and_16_bit(tmp_path):
    Image.fromarray(np.full((6, 7), 100, np.uint8), "L").save(tmp_path / "l.png")
    out = load_image(tmp_path / "l.png")
    assert out.shape == (6, 7, 3) and (out == 100).all()

    a16 = np.zeros((4, 4), np.uint16)
    a16[:2] = 65535
    a16[2:] = 32896  # 128 * 257
    Image.fromarray(a16).save(tmp_path / "i16.png")
    assert Image.open(tmp_path / "i16.png").mode.startswith("I")
    out = load_image(tmp_path / "i16.png")
    assert out.dtype == np.uint8 and out.shape == (4, 4, 3)
    assert (out[:2] == 255).all() and (out[2:] == 128).all()  # scaled, not clipped


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg", quality=95)
    out = load_image(tmp_path / "cmyk.jpg").astype(int)
    assert out.shape == (16, 16, 3)
    assert np.abs(out - (255, 0, 0)).max() < 20


@pytest.mark.parametrize("max_side", [4096, 1000])
def test_huge_jpeg_is_downscaled_to_max_side(tmp_path, max_side):
    im = Image.new("RGB", (6000, 5000), (30, 120, 200))
    im.paste((250, 250, 0), (0, 0, 3000, 5000))  # left half yellow
    im.save(tmp_path / "big.jpg", quality=70)

    out = load_image(tmp_path / "big.jpg", max_side=max_side)
    assert max(out.shape[:2]) == max_side
    assert abs(out.shape[1] / out.shape[0] - 6000 / 5000) < 0.01
    h, w = out.shape[:2]
    assert np.abs(out[h // 2, w // 4].astype(int) - (250, 250, 0)).max() < 12
    assert np.abs(out[h // 2, 3 * w // 4].astype(int) - (30, 120, 200)).max() < 12


def test_truncated_jpeg_raises_image_error(tmp_path):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (128, 128, 3), dtype=np.uint8)).save(tmp_path / "ok.jpg")
    data = (tmp_path / "ok.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match=r"cut\.jpg.*truncated"):
        load_image(tmp_path / "cut.jpg")


@pytest.mark.parametrize("name, content, match", [
    ("notes.jpg", b"this is not an image\n", "not an image"),
    ("empty.png", b"", "empty"),
])
def test_unreadable_files_raise_image_error(tmp_path, name, content, match):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ImageError, match=match) as e:
        load_image(tmp_path / name)
    assert name in str(e.value) and "\n" not in str(e.value)


def test_missing_path_and_folder_raise_image_error(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(ImageError, match="folder"):
        load_image(tmp_path)


@pytest.mark.parametrize("size", [(10_000, 10_000), (20_000, 10_000)])
def test_decompression_bomb_becomes_image_error(tmp_path, size):
    png_header_only(tmp_path / "bomb.png", *size)  # 100 MP warns, 200 MP errors in Pillow
    with pytest.raises(ImageError, match=r"bomb\.png.*megapixels"):
        load_image(tmp_path / "bomb.png")


def test_jpeg_past_pillows_warning_limit_is_decoded_at_reduced_scale(tmp_path):
    Image.new("RGB", (10_000, 9_500), (200, 30, 30)).save(tmp_path / "95mp.jpg", quality=30)
    out = load_image(tmp_path / "95mp.jpg", max_side=1024)  # a PNG this size would be refused
    assert out.shape == (973, 1024, 3)
    assert np.abs(out[400, 500].astype(int) - (200, 30, 30)).max() < 8


@FAST
@given(h=st.integers(1, 24), w=st.integers(1, 24), mode=st.sampled_from(["RGB", "L", "RGBA"]),
       seed=st.integers(0, 2**32 - 1))
def test_load_image_property_shape_and_values(tmp_path, h, w, mode, seed):
    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "L": 1, "RGBA": 4}[mode]
    a = rng.integers(0, 256, (h, w, channels), dtype=np.uint8)
    Image.fromarray(a[..., 0] if mode == "L" else a, mode).save(tmp_path / "x.png")

    out = load_image(tmp_path / "x.png")
    assert out.shape == (h, w, 3) and out.dtype == np.uint8
    if mode == "RGB":
        assert (out == a).all()
    elif mode == "L":
        assert (out == a[..., :1]).all()
    else:
        alpha = a[..., 3:].astype(float) / 255
        expected = a[..., :3] * alpha + 255 * (1 - alpha)
        assert np.abs(out - expected).max() <= 1.0


@FAST
@given(data=st.one_of(st.binary(max_size=2048),
                      st.binary(max_size=512).map(lambda b: b"\xff\xd8\xff\xe0" + b),
                      st.binary(max_size=512).map(lambda b: b"\x89PNG\r\n\x1a\n" + b)))
def test_fuzz_random_bytes_give_image_error_or_an_image(tmp_path, data):
    (tmp_path / "fuzz.jpg").write_bytes(data)
    try:
        out = load_image(tmp_path / "fuzz.jpg")
    except ImageError as e:
        assert "\n" not in str(e)
    else:
        assert out.ndim == 3 and out.shape[2] == 3 and out.dtype == np.uint8


# ---------------------------------------------------------------------------------------------
# load_audio
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# VideoWriter, probe_video, read_video_frames
# ---------------------------------------------------------------------------------------------

def test_round_trip_with_tone(tmp_path):
    fps, sr, seconds = 25, 16000, 2.0
    audio = AudioClip(tone(440, seconds, sr), sr)
    n = int(np.ceil(seconds * fps))
    img = gradient(96, 128)
    write_video(tmp_path / "out.mp4", np.repeat(img[None], n, axis=0), fps, audio)

    info = probe_video(tmp_path / "out.mp4")
    assert (info["width"], info["height"], info["n_frames"]) == (128, 96, n)
    assert info["fps"] == pytest.approx(fps)
    assert abs(info["duration"] - n / fps) < 1 / fps
    assert info["has_audio"] and abs(info["audio_duration"] - seconds) < 1 / fps

    frames = list(read_video_frames(tmp_path / "out.mp4"))
    assert len(frames) == n and frames[0].shape == (96, 128, 3) and frames[0].dtype == np.uint8
    assert np.abs(frames[n // 2].astype(int) - img).mean() < 8
    assert len(list(read_video_frames(tmp_path / "out.mp4", every=4))) == len(range(0, n, 4))
    data = (tmp_path / "out.mp4").read_bytes()
    assert b"crf=20.0" in data  # x264 writes its settings into an SEI message
    assert data.find(b"moov") < data.find(b"mdat")  # index first: plays while downloading


def test_audio_starts_at_zero(tmp_path):
    sr = 16000
    x = np.zeros(sr, np.float32)
    for k in (1000, 7000):  # clicks at known sample positions
        x[k:k + 32] = 0.8
    write_video(tmp_path / "c.mp4", np.zeros((25, 16, 16, 3), np.uint8), 25, AudioClip(x, sr))
    y = load_audio(tmp_path / "c.mp4", sample_rate=sr).samples
    loud = np.flatnonzero(np.abs(y) > 0.4)
    onsets = loud[np.r_[True, np.diff(loud) > 100]]
    assert np.abs(onsets - [1000, 7000]).max() <= 8
    with av.open(str(tmp_path / "c.mp4")) as c:  # load_audio ignores timestamps; check them here
        a = c.streams.audio[0]
        assert a.start_time == 0 and next(c.decode(a)).pts == 0


def test_saturated_colours_and_frame_order_survive(tmp_path):
    blocks = np.array([(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0),
                       (255, 255, 0), (0, 255, 255), (255, 0, 255)], np.uint8)
    img = np.repeat(np.repeat(blocks[None], 32, axis=0), 32, axis=1)  # (32, 256, 3) colour bars
    frames = np.stack([np.clip(img.astype(int) - 25 * i, 0, 255).astype(np.uint8)
                       for i in range(8)])  # each frame darker than the last
    write_video(tmp_path / "bars.mp4", frames, 30, None)

    got = np.stack(list(read_video_frames(tmp_path / "bars.mp4")))
    assert got.shape == frames.shape
    # same colour matrix both ways: a BT.601/709 mix-up gives a mean error of ~5.5 here
    assert np.abs(got.astype(int) - frames).mean() < 2.5
    assert np.all(np.diff(got.reshape(8, -1).mean(axis=1)) < -10)


def test_ntsc_frame_rate_one_frame_at_a_time(tmp_path):
    with VideoWriter(tmp_path / "ntsc.mp4", 16, 16, 29.97, None) as vw:
        for _ in range(30):
            vw.write(np.zeros((16, 16, 3), np.uint8))  # (H, W, 3) is one frame
    assert vw.n_frames == 30
    info = probe_video(tmp_path / "ntsc.mp4")
    assert info["fps"] == pytest.approx(30000 / 1001)
    assert info["n_frames"] == 30
    assert abs(info["duration"] - 30 * 1001 / 30000) < 1 / 30


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_exception_leaves_no_file(tmp_path, exc):
    with pytest.raises(exc):
        with VideoWriter(tmp_path / "out.mp4", 16, 16, 25, None) as vw:
            vw.write(np.zeros((3, 16, 16, 3), np.uint8))
            assert any(p.name.startswith(".tritalk-") for p in tmp_path.iterdir())
            raise exc("stop")
    assert list(tmp_path.iterdir()) == []


def test_exception_keeps_existing_output(tmp_path):
    out = tmp_path / "out.mp4"
    out.write_bytes(b"previous result")
    with pytest.raises(ValueError):
        with VideoWriter(out, 16, 16, 25, None) as vw:
            vw.write(np.zeros((2, 16, 16, 3), np.uint8))
            vw.write(np.zeros((2, 8, 8, 3), np.uint8))  # wrong size: a bug in the caller
    assert out.read_bytes() == b"previous result"
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]

    write_video(out, np.zeros((2, 16, 16, 3), np.uint8), 25, None)  # a clean run replaces it
    assert probe_video(out)["n_frames"] == 2


def test_no_frames_written_leaves_no_file(tmp_path):
    with pytest.raises(ValueError, match="no frames"):
        with VideoWriter(tmp_path / "out.mp4", 16, 16, 25, None):
            pass
    assert list(tmp_path.iterdir()) == []


def test_output_and_config_errors_come_before_any_work(tmp_path):
    with pytest.raises(OutputError, match="does not exist") as e:
        VideoWriter(tmp_path / "no" / "such" / "dir" / "out.mp4", 16, 16, 25, None)
    assert "\n" not in str(e.value)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        VideoWriter(tmp_path / "file" / "out.mp4", 16, 16, 25, None)
    with pytest.raises(OutputError, match="is a folder"):
        VideoWriter(tmp_path, 16, 16, 25, None)
    with pytest.raises(ConfigError, match="even"):
        VideoWriter(tmp_path / "out.mp4", 17, 16, 25, None)
    with pytest.raises(ConfigError, match="fps"):
        VideoWriter(tmp_path / "out.mp4", 16, 16, 0, None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root can write anywhere")
def test_read_only_folder_is_output_error(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="not writable"):
            VideoWriter(ro / "out.mp4", 16, 16, 25, None)
    finally:
        ro.chmod(0o700)


def test_odd_audio_rate_is_resampled_for_aac(tmp_path):
    sr = 10000  # not an AAC rate: the writer resamples to the next one (11025)
    audio = AudioClip(tone(500, 1.0, sr), sr)
    write_video(tmp_path / "odd.mp4", np.zeros((25, 16, 16, 3), np.uint8), 25, audio)
    info = probe_video(tmp_path / "odd.mp4")
    assert info["has_audio"] and abs(info["audio_duration"] - 1.0) < 1 / 25
    clip = load_audio(tmp_path / "odd.mp4")
    assert abs(peak_hz(clip.samples, 16000) - 500) < 5
