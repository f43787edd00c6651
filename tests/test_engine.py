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
    narrow, wide = face_width(Camera(fov=15.0, distance=35.0)), face_width(Camera(fov=40.0, distance=35.0))
    assert narrow > wide * 2.0  # tan(20) / tan(7.5) = 2.76
    assert face_width(Camera(fov=15.0, distance=70.0)) == pytest.approx(narrow / 2, rel=0.02)
    assert face_width(Camera(zoom=1.5)) == pytest.approx(own * 1.5, rel=0.01)


def test_a_turned_head_keeps_its_proportions_at_the_default_distance(engine, subject256):
    # at 60 deg the ear side turns towards the viewer. Seen from a portrait photographer's distance (the default)
    # the eye-to-ear span keeps about its size against the face's height, as the model has it (a far camera);
    # seen from a selfie's 35 cm, the near side grows by over a third (the bulging head of a phone held close)
    from tritalk.render.head_mesh import ear_region
    head = np.zeros(6, np.float32)
    ears = ear_region(subject256, engine.head.rest, engine.config.head) & (engine.head.rest[:, 0] < 0)

    def span(cam):
        face = engine.project(np.zeros(52, np.float32), head, cam)
        ear = engine._head_points(engine.head.rest[ears], engine.head.head_weight[ears], head, cam).mean(0)
        return abs(face[33, 0] - ear[0]) / np.linalg.norm(face[168, :2] - face[152, :2])

    far = span(Camera(yaw=60, distance=1000.0))
    assert engine._distance_cm(Camera()) == 100.0  # (the example has no lens in its EXIF: a portrait's)
    assert span(Camera(yaw=60)) < 1.12 * far  # measured 1.10
    assert span(Camera(yaw=60, distance=35.0)) > 1.3 * far  # measured 1.37
