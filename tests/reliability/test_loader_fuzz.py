"""Loaders on damaged copies of real files: a usable result or the loader's own error, nothing else.

Random bytes (tests/io) mostly fail at the first magic number; damaging a real JPEG / PNG / WAV /
MP3 / MP4 (cuts, flipped bytes) reaches the decoders' deeper paths.
"""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tritalk.errors import AudioError, ImageError
from tritalk.io.audio import load_audio
from tritalk.io.image import load_image
from tritalk.io.video import VideoWriter
from tritalk.types import AudioClip

from cli_helpers import encode_audio, resample, write_wav

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
damage = st.fixed_dictionaries({
    "cut": st.floats(0.05, 1.0),
    "flips": st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=6),
})


def _damaged(data: bytes, d: dict) -> bytes:
    b = bytearray(data[: max(1, int(len(data) * d["cut"]))])
    for where, value in d["flips"]:
        b[int(where * len(b))] = value
    return bytes(b)


@pytest.fixture(scope="module")
def originals(tmp_path_factory, example_image_path, example_audio_path) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("orig")
    small = Image.open(example_image_path).convert("RGB").resize((48, 48))
    out = {}
    for fmt in ("JPEG", "PNG"):
        buf = io.BytesIO()
        small.save(buf, fmt)
        out[fmt.lower()] = buf.getvalue()
    x = load_audio(example_audio_path).samples[16000:24000]  # 0.5 s
    out["wav"] = write_wav(d / "a.wav", x, 16000).read_bytes()
    out["mp3"] = encode_audio(d / "a.mp3", "libmp3lame", 22050, resample(x, 16000, 22050)).read_bytes()
    with VideoWriter(d / "a.mp4", 16, 16, 25, AudioClip(x, 16000)) as w:
        w.write(np.zeros((13, 16, 16, 3), np.uint8))
    out["mp4"] = (d / "a.mp4").read_bytes()
    return out


@FUZZ
@given(kind=st.sampled_from(["jpeg", "png"]), d=damage)
def test_damaged_image_loads_or_is_an_image_error(tmp_path, originals, kind, d):
    p = tmp_path / f"x.{kind}"
    p.write_bytes(_damaged(originals[kind], d))
    try:
        rgb = load_image(p)
    except ImageError as e:
        assert "\n" not in str(e) and str(p) in str(e)
        return
    assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3 and min(rgb.shape[:2]) >= 1


@FUZZ
@given(kind=st.sampled_from(["wav", "mp3", "mp4"]), d=damage)
def test_damaged_audio_loads_or_is_an_audio_error(tmp_path, originals, kind, d):
    p = tmp_path / f"x.{kind}"
    p.write_bytes(_damaged(originals[kind], d))
    try:
        clip = load_audio(p)
    except AudioError as e:
        assert "\n" not in str(e) and str(p) in str(e)
        return
    x = clip.samples
    assert x.dtype == np.float32 and x.ndim == 1 and clip.sample_rate == 16000
    assert np.isfinite(x).all() and np.abs(x).max(initial=0) <= 1.0
    assert 0.1 <= clip.duration <= 0.6  # never longer than the original (0.5 s + codec padding)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_pipes_and_devices_are_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "speech.wav"
    os.mkfifo(fifo)  # opening it would block until someone writes
    with pytest.raises(AudioError, match="not a regular file"):
        load_audio(fifo)
    with pytest.raises(ImageError, match="not a regular file"):
        load_image(fifo)
    with pytest.raises(ImageError, match="not a regular file"):
        load_image("/dev/zero")
