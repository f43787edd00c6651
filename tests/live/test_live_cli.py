"""`tritalk live`: raw PCM on stdin -> y4m frames on stdout; a file -> mp4; bad flags are one error line."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest


def run_live(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-m", "tritalk.cli.main", "live", *args], input=stdin,
                          capture_output=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def pcm_2s(example_audio_path) -> bytes:
    from tritalk.io.audio import load_audio

    clip = load_audio(example_audio_path, sample_rate=16000)
    return (np.clip(clip.samples[: 32000], -1, 1) * 32767).astype("<i2").tobytes()


def test_stdin_pcm_to_y4m_on_stdout(example_image_path, pcm_2s):
    proc = run_live("--image", str(example_image_path), "--audio-in", "-", "--rate", "16000", "--y4m",
                    "--size", "128", stdin=pcm_2s)
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    header, _, body = proc.stdout.partition(b"\n")
    assert header == b"YUV4MPEG2 W128 H128 F25:1 Ip A1:1 C444"
    frame = len(b"FRAME\n") + 3 * 128 * 128
    assert len(body) == 50 * frame  # 2 s at 25 fps
    planes = np.frombuffer(body[6:frame], np.uint8).reshape(3, 128, 128)
    assert 16 <= planes[0].mean() <= 235 and planes[0].std() > 10  # a picture, not a blank


def test_file_to_mp4(tmp_path, example_image_path, pcm_2s):
    import wave

    from tritalk.io.video import probe_video

    wav, out = tmp_path / "two.wav", tmp_path / "live.mp4"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(pcm_2s)
    proc = run_live("--image", str(example_image_path), "--audio-in", str(wav), "-o", str(out), "--size", "128",
                    "--fast")
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    info = probe_video(out)
    assert info["n_frames"] == 50 and info["has_audio"] and abs(info["audio_duration"] - 2.0) < 0.05


@pytest.mark.parametrize("flags", [[], ["--y4m", "-o", "x.mp4"]])
def test_exactly_one_output(tmp_path, example_image_path, flags):
    proc = run_live("--image", str(example_image_path), *flags)
    assert proc.returncode == 5
    err = proc.stderr.decode()
    assert "Traceback" not in err and [ln for ln in err.splitlines() if ln.startswith("error:")] == [
        "error: give exactly one output: -o FILE.mp4 or --y4m (frames on stdout)"]


def test_no_audio_on_stdin(example_image_path):
    proc = run_live("--image", str(example_image_path), "--y4m", "--size", "128", stdin=b"")
    assert proc.returncode == 4
    assert "no audio arrived" in proc.stderr.decode()
