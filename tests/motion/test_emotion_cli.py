"""`tritalk generate --emotion`: names, timelines and descriptions; bad ones fail in one line, exit 5."""

from __future__ import annotations

import subprocess
import sys

import pytest


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tritalk.cli.main", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("emotion", ["joyous:0-2", "happy:3-1", "happy:0-3,sad:2-4"])
def test_bad_emotion_timeline_fails_cleanly(tmp_path, example_image_path, example_audio_path, emotion):
    out = tmp_path / "x.mp4"
    proc = run_cli("generate", "--image", str(example_image_path), "--audio", str(example_audio_path), "-o", str(out),
                   "--emotion", emotion)
    assert proc.returncode == 5
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in proc.stderr
    assert not out.exists()


def test_intensity_out_of_range_fails_cleanly(tmp_path, example_image_path, example_audio_path):
    proc = run_cli("generate", "--image", str(example_image_path), "--audio", str(example_audio_path),
                   "-o", str(tmp_path / "x.mp4"), "--emotion", "happy", "--intensity", "1.5")
    assert proc.returncode == 5 and "intensity" in proc.stderr
