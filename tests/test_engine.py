"""The Engine seam: a registry by name, one protocol; the mesh engine renders chunks of a Motion along a CameraPath."""

from __future__ import annotations

import numpy as np
import pytest

from tritalk.engine import ENGINES, Engine, engine_class
from tritalk.errors import ConfigError
from tritalk.render.mesh_engine import MeshEngine
from tritalk.types import Camera, CameraPath, Motion


def test_registry_names_the_engines_and_refuses_others():
    assert "mesh" in ENGINES
    assert engine_class("mesh") is MeshEngine
    with pytest.raises(ConfigError, match="unknown engine 'nope'; choose one of: mesh"):
        engine_class("nope")


@pytest.fixture(scope="module")
def engine(subject256):
    return MeshEngine(subject256)


def test_chunks_equal_single_frames_and_the_photo_expression_shows_the_photo(engine, subject256):
    assert isinstance(engine, Engine)
    rest = Motion.still(6, 25.0, subject256.ref_expr)
    path = CameraPath(Camera(), "orbit", amplitude=20, period=0.24)
    chunk = engine.render(rest, path, 2, 5)
    assert chunk.shape == (3, 256, 256, 3) and chunk.dtype == np.uint8
    for i, t in enumerate(range(2, 5)):
        single = engine.render_frame(rest.expr[t], rest.head[t], path.at(t / 25.0), rest.gaze[t])
        np.testing.assert_array_equal(chunk[i], single)
    front = engine.render(rest, CameraPath.of(Camera()), 0, 1)[0]
    diff = np.abs(front.astype(np.int16) - subject256.image.astype(np.int16))
    assert diff.mean() < 2.0  # the photo's own expression at the photo's camera: the photo
    neutral = engine.render(Motion.still(1, 25.0), CameraPath.of(Camera()), 0, 1)[0]
    assert neutral.shape == front.shape  # an absolute neutral face renders too (the photo's expression removed)


def test_field_of_view_frames_the_head_like_a_camera(engine, subject256):
    rest = subject256.ref_expr
    head = np.zeros(6, np.float32)

    def face_width(cam):
        v = engine.project(engine.expr_delta(rest), head, cam)
        return float(np.ptp(v[:468, 0]))

    own = face_width(Camera())
    narrow, wide = face_width(Camera(fov=15.0)), face_width(Camera(fov=40.0))
    assert narrow > wide * 2.0  # tan(20) / tan(7.5) = 2.76
    assert face_width(Camera(fov=15.0, distance=70.0)) == pytest.approx(narrow / 2, rel=0.02)
    assert face_width(Camera(zoom=1.5)) == pytest.approx(own * 1.5, rel=0.01)
