"""Broken inputs through the whole CLI: exit code of the class, one `error:` line, no traceback, no file.

The corpus is generated here from the bundled example (truncated, empty, random, mislabelled files,
folders, a video without sound, a decompression bomb, ...), then each case runs ``python -m
tritalk.cli.main generate`` as a user would.
"""

from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tritalk.io.video import VideoWriter
from tritalk.types import AudioClip

from cli_helpers import assert_clean_failure, encode_audio, resample, run_many, write_wav
from cli_helpers import short_wav, speech16k  # noqa: F401  (fixtures)

IMAGE, AUDIO = 3, 4  # exit codes (errors.py)


def _truncated(src: Path, dst: Path, frac: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * frac)])
    return dst


def _png_bomb(path: Path) -> Path:
    """A tiny PNG whose header claims 60000 x 60000 pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16))
                     + chunk(b"IEND", b""))
    return path


def _video(path: Path, speech: np.ndarray | None) -> Path:
    audio = None if speech is None else AudioClip(speech[:16000], 16000)
    with VideoWriter(path, 64, 64, 25, audio) as w:
        w.write(np.full((25, 64, 64, 3), 128, np.uint8))
    return path


# name -> (which input is bad, expected exit code, builder(dir, example image, example speech) -> path)
CASES = {
    "jpeg cut in half": ("image", IMAGE, lambda d, img, x: _truncated(img, d / "half.jpg", 0.5)),
    "png cut short": ("image", IMAGE, lambda d, img, x: _truncated(_png_of(img, d), d / "cut.png", 0.3)),
    "zero-byte jpg": ("image", IMAGE, lambda d, img, x: _bytes(d / "empty.jpg", b"")),
    "random bytes as png": ("image", IMAGE, lambda d, img, x: _bytes(d / "noise.png", _random(4096))),
    "text file as jpg": ("image", IMAGE, lambda d, img, x: _bytes(d / "notes.jpg", b"my holiday photo\n" * 20)),
    "folder as image": ("image", IMAGE, lambda d, img, x: _folder(d / "photos")),
    "video as image": ("image", IMAGE, lambda d, img, x: _video(d / "clip.mp4", x)),
    "png bomb": ("image", IMAGE, lambda d, img, x: _png_bomb(d / "bomb.png")),
    "wav cut in half": ("audio", AUDIO, lambda d, img, x: _truncated(write_wav(d / "a.wav", x[:48000], 16000),
                                                                     d / "half.wav", 0.5)),
    "mp3 cut in half": ("audio", AUDIO, lambda d, img, x: _truncated(
        encode_audio(d / "a.mp3", "libmp3lame", 44100, resample(x[:48000], 16000, 44100)), d / "half.mp3", 0.5)),
    "mp4 cut short": ("audio", AUDIO, lambda d, img, x: _truncated(_video(d / "v.mp4", x), d / "cut.mp4", 0.5)),
    "jpg named .wav": ("audio", AUDIO, lambda d, img, x: Path(shutil.copy(img, d / "photo.wav"))),
    "mp4 without sound": ("audio", AUDIO, lambda d, img, x: _video(d / "silent_film.mp4", None)),
}
EXPECT = {  # a word each message must contain (it names the problem)
    "jpeg cut in half": "truncated", "png cut short": "truncated", "zero-byte jpg": "empty",
    "random bytes as png": "not an image", "text file as jpg": "not an image", "folder as image": "folder",
    "video as image": "video", "png bomb": "megapixels",
    "wav cut in half": "truncated", "mp3 cut in half": "truncated", "mp4 cut short": "truncated",
    "jpg named .wav": "image", "mp4 without sound": "no audio track",
}


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _random(n: int) -> bytes:
    return np.random.default_rng(n).bytes(n)


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _save(im: Image.Image, path: Path) -> Path:
    im.save(path)
    return path


def _png_of(img: Path, d: Path) -> Path:
    return _save(Image.open(img).resize((400, 400)), d / "full.png")


@pytest.fixture(scope="module")
def corpus_runs(tmp_path_factory, example_image_path, speech16k, short_wav):
    """Build every broken file and run the CLI on each, a few processes at a time (each ~2 s)."""
    jobs, files = {}, {}
    for case, (which, _, build) in CASES.items():
        d = tmp_path_factory.mktemp("bad")
        bad = build(d, example_image_path, speech16k)
        image, audio = (bad, short_wav) if which == "image" else (example_image_path, bad)
        (d / "out").mkdir()
        files[case] = bad, d / "out" / "talk.mp4"
        jobs[case] = ["generate", "--image", image, "--audio", audio, "-o", files[case][1], "--size", "128"]
    runs = run_many(jobs, timeout=90)  # a hang detector: generous, so a loaded machine is not a failure
    return {case: (*runs[case], *files[case]) for case in CASES}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_input_gives_one_clean_line(case, corpus_runs):
    proc, seconds, bad, out = corpus_runs[case]
    assert seconds < 90  # a hang detector (see run_many above), not a speed test
    line = assert_clean_failure(proc, out, code=CASES[case][1])
    assert EXPECT[case] in line.lower(), line
    assert bad.name in line  # names the file
    assert list(out.parent.iterdir()) == []
