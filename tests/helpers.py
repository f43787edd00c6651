"""Helpers the tests share (plain functions; the fixtures are in tests/conftest.py).

Imported as ``from helpers import ...``: pytest puts tests/ on sys.path for tests/conftest.py. Not from
``conftest``: a test folder with its own conftest.py (tests/neural, tests/training) would shadow that name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def mouth_open_ratio(landmarks: np.ndarray) -> float:
    """Inner-lip gap / outer-eye-corner distance (the auditor's definition), from (478, 3) landmarks."""
    pairs = [(13, 14), (82, 87), (312, 317)]
    gap = np.mean([np.linalg.norm(landmarks[a, :2] - landmarks[b, :2]) for a, b in pairs])
    return float(gap / np.linalg.norm(landmarks[33, :2] - landmarks[263, :2]))


def photo_plus(engine, offsets: np.ndarray) -> np.ndarray:
    """(52,) absolute expression: the engine's photo's own expression changed by ``offsets`` (clipped to [0, 1])."""
    return np.clip(engine.subject.ref_expr + offsets, 0.0, 1.0).astype(np.float32)


def speech_excerpt(source: Path, seconds: float, folder: Path) -> Path:
    """The first ``seconds`` of a speech file as a 16-bit mono WAV in ``folder`` (short CLI test inputs)."""
    import wave

    from tritalk.io.audio import load_audio

    clip = load_audio(source)
    pcm = (np.clip(clip.samples[: int(seconds * clip.sample_rate)], -1, 1) * 32767).astype("<i2")
    path = folder / f"speech{seconds:g}s.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(clip.sample_rate)
        w.writeframes(pcm.tobytes())
    return path


def free_port() -> int:
    """A TCP port nothing listens on now (for a server a test starts)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
