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
