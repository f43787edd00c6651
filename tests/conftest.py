"""Shared fixtures: the bundled example (a real portrait + real speech) and a MediaPipe measurer."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def example_image_path() -> Path:
    return Path(str(resources.files("tritalk") / "assets" / "examples" / "portrait.jpg"))


@pytest.fixture(scope="session")
def example_audio_path() -> Path:
    return Path(str(resources.files("tritalk") / "assets" / "examples" / "speech.wav"))


@pytest.fixture(scope="session")
def example_rgb(example_image_path) -> np.ndarray:
    from tritalk.io.image import load_image

    return load_image(example_image_path)


@pytest.fixture(scope="session")
def analyser():
    from tritalk.face.analyse import FaceAnalyser

    fa = FaceAnalyser()
    yield fa
    fa.close()


@pytest.fixture(scope="session")
def subject256(example_rgb, analyser):
    from tritalk.face.subject import prepare_subject

    return prepare_subject(example_rgb, 256, analyser)


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
