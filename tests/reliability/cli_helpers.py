"""Helpers for the reliability tests: run the real CLI in a subprocess, make odd and broken inputs.

The fixtures at the end are imported by the test modules (a second conftest.py would shadow
tests/conftest.py for the modules that ``from conftest import ...``).
"""

from __future__ import annotations

import subprocess
import sys
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import av
import numpy as np
import pytest

from tritalk.io.audio import load_audio

CLI = [sys.executable, "-m", "tritalk.cli.main"]


def run_cli(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("error:")]


def assert_clean_failure(proc: subprocess.CompletedProcess, out: Path, code: int | None = None) -> str:
    """Non-zero exit, exactly one `error:` line and nothing else on stderr, no output, no temp file.

    Returns the error line.
    """
    assert proc.returncode != 0, proc.stdout
    if code is not None:
        assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = error_lines(proc.stderr)
    assert len(lines) == 1, proc.stderr
    others = [ln for ln in proc.stderr.splitlines() if ln.strip() and not ln.startswith(("error:", "note:"))]
    assert not others, proc.stderr  # no usage boxes, warnings or native log spam
    assert not out.exists()
    assert not list(out.parent.glob(".tritalk-*")), list(out.parent.iterdir())
    return lines[0]


def write_wav(path: Path, x: np.ndarray, rate: int, channels: int = 1) -> Path:
    """Mono float x in [-1, 1] -> 16-bit PCM WAV (the same signal on every channel)."""
    pcm = (np.clip(x, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(pcm[:, None], channels, 1).tobytes())
    return path


def encode_audio(path: Path, codec: str, rate: int, x: np.ndarray, layout: str = "mono") -> Path:
    """Encode mono float x with PyAV (container from the extension), duplicated for stereo."""
    if codec not in av.codecs_available:
        pytest.skip(f"PyAV build has no {codec} encoder")
    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=rate)
        s.layout = layout
        if layout == "stereo":  # packed flt: L R L R ...
            f = av.AudioFrame.from_ndarray(np.repeat(x.astype(np.float32), 2)[None], format="flt", layout="stereo")
        else:
            f = av.AudioFrame.from_ndarray(x.astype(np.float32)[None], format="flt", layout="mono")
        f.sample_rate, f.pts = rate, 0
        c.mux(s.encode(f))
        c.mux(s.encode(None))
    return path


def resample(x: np.ndarray, rate: int, to: int) -> np.ndarray:
    n = int(len(x) * to / rate)
    return np.interp(np.arange(n) * rate / to, np.arange(len(x)), x).astype(np.float32)


def run_many(jobs: dict[str, list], workers: int = 3, timeout: float = 60) -> dict[str, tuple]:
    """Run the CLI once per job, a few at a time: {name: (CompletedProcess, seconds)}."""
    def one(args):
        start = time.monotonic()
        proc = run_cli(*args, timeout=timeout)
        return proc, time.monotonic() - start

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(jobs, pool.map(one, jobs.values())))


@pytest.fixture(scope="session")
def speech16k(example_audio_path) -> np.ndarray:
    """The bundled speech as mono float32 at 16 kHz."""
    return load_audio(example_audio_path).samples


@pytest.fixture(scope="session")
def short_wav(tmp_path_factory, speech16k) -> Path:
    """2 s of the bundled speech, 16 kHz mono WAV."""
    return write_wav(tmp_path_factory.mktemp("audio") / "speech2s.wav", speech16k[: 2 * 16000], 16000)
