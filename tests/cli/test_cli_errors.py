"""Bad input: one line on stderr, non-zero exit, no traceback, no output file."""

from __future__ import annotations

import subprocess
import sys
import wave

import numpy as np
import pytest
from PIL import Image


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tritalk.cli.main", *args], capture_output=True, text=True, timeout=120)


def _assert_clean_failure(proc, out, code=None):
    assert proc.returncode != 0
    if code is not None:
        assert proc.returncode == code
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, proc.stderr
    assert not out.exists()
    assert not list(out.parent.glob(".tritalk-*"))


@pytest.fixture
def silence_wav(tmp_path):
    p = tmp_path / "speech.wav"
    with wave.open(str(p), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(np.zeros(16000, np.int16).tobytes())
    return p


def test_no_face(tmp_path, silence_wav):
    img = tmp_path / "wall.png"
    y, x = np.mgrid[0:300, 0:400]
    Image.fromarray(np.stack([x % 256, y % 256, (x + y) % 256], -1).astype(np.uint8)).save(img)
    out = tmp_path / "out.mp4"
    proc = run_cli("generate", "--image", str(img), "--audio", str(silence_wav), "-o", str(out))
    _assert_clean_failure(proc, out, code=3)
    assert "no face" in proc.stderr


def test_unreadable_image(tmp_path, silence_wav):
    img = tmp_path / "photo.jpg"
    img.write_bytes(b"this is not a jpeg")
    out = tmp_path / "out.mp4"
    proc = run_cli("generate", "--image", str(img), "--audio", str(silence_wav), "-o", str(out))
    _assert_clean_failure(proc, out, code=3)


def test_empty_audio(tmp_path, example_image_path):
    wav = tmp_path / "empty.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
    out = tmp_path / "out.mp4"
    proc = run_cli("generate", "--image", str(example_image_path), "--audio", str(wav), "-o", str(out))
    _assert_clean_failure(proc, out, code=4)


def test_bad_options(tmp_path, example_image_path, silence_wav):
    out = tmp_path / "out.mp4"
    proc = run_cli("generate", "--image", str(example_image_path), "--audio", str(silence_wav), "-o", str(out),
                   "--emotion", "joyous:0-2")  # a timeline with an unknown name (free text maps onto the 8)
    _assert_clean_failure(proc, out, code=5)
    assert "happy" in proc.stderr  # lists the valid emotions
    proc = run_cli("generate", "--image", str(example_image_path), "--audio", str(silence_wav), "-o", str(out),
                   "--intensity", "1.5")
    _assert_clean_failure(proc, out, code=5)
    proc = run_cli("generate", "--image", str(example_image_path), "--audio", str(silence_wav), "-o", str(out),
                   "--render-processes", "-1")
    _assert_clean_failure(proc, out, code=5)
    assert "render processes -1 is invalid" in proc.stderr
    proc = run_cli("generate", "--image", str(example_image_path), "--audio", str(silence_wav), "-o", str(out),
                   "--hair", "curly")
    _assert_clean_failure(proc, out, code=5)
    assert "hair 'curly' is unknown; choose one of auto, short, over_ears, long" in proc.stderr


def test_existing_output_needs_overwrite(tmp_path, example_image_path, silence_wav):
    out = tmp_path / "out.mp4"
    out.write_bytes(b"keep me")
    proc = run_cli("generate", "--image", str(example_image_path), "--audio", str(silence_wav), "-o", str(out))
    assert proc.returncode == 6 and "Traceback" not in proc.stderr
    assert out.read_bytes() == b"keep me"


def test_help_explains_every_option():
    proc = run_cli("generate", "--help")
    assert proc.returncode == 0
    for opt in ("--image", "--audio", "--output", "--emotion", "--intensity", "--yaw", "--pitch", "--size",
                "--fps", "--seed", "--face", "--overwrite"):
        assert opt in proc.stdout
