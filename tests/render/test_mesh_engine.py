"""Mesh engine on a real portrait, measured by MediaPipe on the rendered frames."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import mouth_open_ratio, photo_plus
from tritalk.face.model import inner_lip_polygon
from tritalk.render.mesh_engine import MeshEngine
from tritalk.types import IDX, Camera

ZERO_HEAD = np.zeros(6, np.float32)


def expr(**kw) -> np.ndarray:
    e = np.zeros(52, np.float32)
    for k, v in kw.items():
        e[IDX[k]] = v
    return e


def measured_yaw_pitch(obs) -> tuple[float, float]:
    r = obs.transform[:3, :3]  # forward (nose) axis of the face in camera coordinates, y up
    return float(np.degrees(np.arctan2(r[0, 2], r[2, 2]))), float(np.degrees(np.arcsin(r[1, 2])))


@pytest.fixture(scope="module")
def engine(subject256):
    return MeshEngine(subject256)


def test_rest_pose_reproduces_the_photo(engine, subject256):
    frame = engine.render_frame(photo_plus(engine, expr()), ZERO_HEAD)
    diff = np.abs(frame.astype(np.int16) - subject256.image.astype(np.int16))
    assert diff.mean() < 2.0  # no seams, no shift: the rest pose is the photo


def test_jaw_opens_mouth_and_shows_teeth(engine, analyser, subject256):
    rest = analyser.detect_all(engine.render_frame(photo_plus(engine, expr()), ZERO_HEAD))[0]
    frame = engine.render_frame(photo_plus(engine, expr(jawOpen=0.6)), ZERO_HEAD)
    opened = analyser.detect_all(frame)[0]
    assert mouth_open_ratio(opened.landmarks) > mouth_open_ratio(rest.landmarks) + 0.08
    # teeth: bright, low-saturation pixels inside the inner-lip contour of the rendered face
    import cv2

    poly = opened.landmarks[list(inner_lip_polygon()), :2].astype(np.int32)
    mask = np.zeros(frame.shape[:2], np.uint8)
    cv2.fillPoly(mask, [poly], 1)
    inside = frame[mask.astype(bool)].astype(np.float32)
    bright = (inside.mean(1) > 140) & (inside.max(1) - inside.min(1) < 60)
    dark = inside.mean(1) < 60
    assert bright.mean() > 0.1 and dark.mean() > 0.1  # teeth and a dark cavity


def test_blink_closes_eyes(engine, analyser):
    open_ = analyser.detect_all(engine.render_frame(photo_plus(engine, expr()), ZERO_HEAD))[0]
    shut = analyser.detect_all(engine.render_frame(photo_plus(engine, expr(eyeBlinkLeft=1.0, eyeBlinkRight=1.0)), ZERO_HEAD))[0]
    # MediaPipe reads our shut eyes at 0.41-0.55 (real blinks: 0.4-0.8)
    assert shut.blendshapes[IDX["eyeBlinkLeft"]] > open_.blendshapes[IDX["eyeBlinkLeft"]] + 0.2


@pytest.mark.parametrize("yaw,pitch", [(-30.0, 0.0), (30.0, 0.0), (0.0, -15.0), (0.0, 15.0)])
def test_requested_view_is_measured_by_mediapipe(engine, analyser, yaw, pitch):
    """An independent landmarker (MediaPipe's pose matrix) measures the requested angle within 5 degrees."""
    base_yaw, base_pitch = measured_yaw_pitch(analyser.detect_all(engine.render_frame(photo_plus(engine, expr()), ZERO_HEAD))[0])
    turned = analyser.detect_all(engine.render_frame(photo_plus(engine, expr()), ZERO_HEAD, Camera(yaw=yaw, pitch=pitch)))
    assert len(turned) == 1
    got_yaw, got_pitch = measured_yaw_pitch(turned[0])
    assert got_yaw - base_yaw == pytest.approx(yaw, abs=5.0)
    assert got_pitch - base_pitch == pytest.approx(pitch, abs=5.0)


@pytest.mark.parametrize("yaw,pitch", [(-30, 0), (30, 0), (0, -15), (0, 15), (45, 10)])
def test_no_background_shows_inside_the_head(engine, yaw, pitch):
    """With a magenta background plate, no magenta may appear inside the projected face outline."""
    from dataclasses import replace

    import cv2

    from tritalk.face.model import FACE_OVAL

    magenta = np.zeros_like(engine.scene.background)
    magenta[..., 0] = magenta[..., 2] = 255
    original = engine.scene
    engine.scene = replace(original, background=magenta)
    try:
        cam = Camera(yaw=yaw, pitch=pitch)
        frame = engine.render_frame(photo_plus(engine, expr()), ZERO_HEAD, cam)
        oval = engine.project(np.zeros(52, np.float32), ZERO_HEAD, cam)[list(FACE_OVAL), :2]
    finally:
        engine.scene = original
    mask = np.zeros(frame.shape[:2], np.uint8)
    centre = oval.mean(0)
    cv2.fillPoly(mask, [np.round(centre + (oval - centre) * 0.97).astype(np.int32)], 1)
    px = frame[mask.astype(bool)].astype(int)
    is_magenta = (px[:, 0] > 200) & (px[:, 2] > 200) & (px[:, 1] < 60)
    assert is_magenta.mean() == 0.0


def test_gaze_moves_the_irises(engine, analyser):
    """Motion.gaze > 0 (image right) moves both irises right within their eyes, as MediaPipe sees them."""

    def iris_offsets(frame):
        lm = analyser.detect_all(frame)[0].landmarks
        width = np.linalg.norm(lm[33, :2] - lm[263, :2])
        right = lm[468, 0] - (lm[33, 0] + lm[133, 0]) / 2
        left = lm[473, 0] - (lm[362, 0] + lm[263, 0]) / 2
        return np.array([right, left]) / width

    still = iris_offsets(engine.render_frame(photo_plus(engine, expr()), ZERO_HEAD))
    looking = iris_offsets(engine.render_frame(photo_plus(engine, expr()), ZERO_HEAD, gaze=np.array([0.35, 0.0], np.float32)))
    assert (looking - still > 0.01).all()


def test_frames_rendered_side_by_side_equal_frames_rendered_one_by_one(subject256):
    from dataclasses import replace

    from tritalk.render.mesh_config import MeshEngineConfig
    from tritalk.types import CameraPath, Motion

    n = 6
    expr = np.repeat(subject256.ref_expr[None].astype(np.float32), n, 0)
    expr[:, IDX["jawOpen"]] = np.linspace(0.0, 0.6, n)  # a different frame each time
    head = np.zeros((n, 6), np.float32)
    head[:, 0] = np.linspace(-0.2, 0.2, n)
    motion = Motion(expr, head, np.zeros((n, 2), np.float32), 25.0, base=subject256.ref_expr.astype(np.float32))
    path = CameraPath.of(Camera(yaw=25))
    frames = {k: MeshEngine(subject256, replace(MeshEngineConfig(), render_threads=k)).render(motion, path)
              for k in (1, 3)}
    np.testing.assert_array_equal(frames[1], frames[3])
    assert len({f.tobytes() for f in frames[1]}) == n
    # forked worker processes (frame_pool.py): the same pixels, also when a chunk outgrows the shared buffer
    engine = MeshEngine(subject256, replace(MeshEngineConfig(), render_processes=2))
    try:
        np.testing.assert_array_equal(engine.render(motion, path), frames[1])
        engine._frame_pool(n).capacity = 4  # two rounds through the buffer
        np.testing.assert_array_equal(engine.render(motion, path, 1, n), frames[1][1:])
    finally:
        engine.close()
