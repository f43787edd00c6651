"""The lids slide over a rigid eyeball: raised lids uncover the white of the eye instead of stretching
the iris, the photo's eyes are unchanged at rest, and the filled-in white is the photo's own."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from helpers import photo_plus
from tritalk.face.model import LEFT_EYE, LEFT_IRIS, RIGHT_EYE, RIGHT_IRIS
from tritalk.render.eyes import PhotoEye
from tritalk.render.mesh_engine import MeshEngine
from tritalk.types import IDX

ZERO_HEAD = np.zeros(6, np.float32)


def wide(value: float = 1.0) -> np.ndarray:
    e = np.zeros(52, np.float32)
    e[[IDX["eyeWideLeft"], IDX["eyeWideRight"]]] = value
    return e


@pytest.fixture(scope="module")
def engines(example_rgb, analyser):
    """At 512 px (the CLI's default size): at 256 px the lids' lash band is a third of the opening."""
    from tritalk.face.subject import prepare_subject

    rigid = MeshEngine(prepare_subject(example_rgb, 512, analyser))
    return rigid, MeshEngine(rigid.subject, dataclasses.replace(rigid.config, rigid_eyes=False))


def dark_and_white(engine: MeshEngine, frame: np.ndarray, e: np.ndarray) -> list[tuple[int, int, int]]:
    """Per eye: (pixels in the lid opening, dark ones: iris and pupil, light ones: the white). The
    threshold sits halfway between the photo's iris and white in that eye."""
    gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)
    photo = cv2.cvtColor(engine.subject.image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    v = engine.project(engine.expr_delta(photo_plus(engine, e)), ZERO_HEAD)
    out = []
    for eye in (LEFT_EYE, RIGHT_EYE):
        def inside(points: np.ndarray) -> np.ndarray:
            m = np.zeros(gray.shape, np.uint8)
            cv2.fillPoly(m, [np.round(points[list(eye), :2]).astype(np.int32)], 1)
            return m.astype(bool)
        ref = photo[inside(engine.src_xy)]
        threshold = 0.5 * (np.quantile(ref, 0.1) + np.quantile(ref, 0.9))
        px = gray[inside(v)]
        out.append((len(px), int((px < threshold).sum()), int((px >= threshold).sum())))
    return out


def test_raised_lids_uncover_the_white_and_the_iris_keeps_its_size(engines):
    rigid, stretched = engines
    zero = np.zeros(52, np.float32)
    rest = dark_and_white(rigid, rigid.render_frame(photo_plus(rigid, zero), ZERO_HEAD), zero)
    opened = dark_and_white(rigid, rigid.render_frame(photo_plus(rigid, wide()), ZERO_HEAD), wide())
    grown = dark_and_white(stretched, stretched.render_frame(photo_plus(stretched, wide()), ZERO_HEAD), wide())  # the lids' warp alone
    for (area0, _, white0), (area, dark, white), (_, dark_s, white_s) in zip(rest, opened, grown):
        assert area > 1.3 * area0  # the lids opened
        assert dark < 0.9 * dark_s  # ... the iris did not grow with them as the warp grows it (measured 0.85)
        assert white > 1.1 * white_s and white > 1.7 * white0  # ... the white above and below it shows (2.0x)


def test_eyes_at_rest_are_the_photos(engines):
    """With no expression the rigid resampling shows the photo's eyes exactly as the warp does (both
    map the same contour; nothing is painted where the photo shows the eye) - also in a turned,
    tilted or zoomed view, and the far eye hidden behind the nose stays hidden."""
    from tritalk.types import Camera

    rigid, stretched = engines
    zero = np.zeros(52, np.float32)
    a = rigid.render_frame(photo_plus(rigid, zero), ZERO_HEAD).astype(np.float32)
    b = stretched.render_frame(photo_plus(stretched, zero), ZERO_HEAD).astype(np.float32)
    lm = rigid.subject.observation.landmarks
    for eye in (LEFT_EYE, RIGHT_EYE):
        m = np.zeros(a.shape[:2], np.uint8)
        cv2.fillPoly(m, [np.round(lm[list(eye), :2]).astype(np.int32)], 1)
        assert np.abs(a - b)[m.astype(bool)].max() <= 1.0
    for camera in (Camera(yaw=30), Camera(yaw=60), Camera(pitch=20), Camera(zoom=2.0)):
        a = rigid.render_frame(photo_plus(rigid, zero), ZERO_HEAD, camera).astype(np.int16)
        b = stretched.render_frame(photo_plus(stretched, zero), ZERO_HEAD, camera).astype(np.int16)
        assert (np.abs(a - b).max(2) > 20).sum() <= 10, camera  # (measured 0-1 px; the affine fit alone: ~100)


def test_filled_white_is_the_photos_sclera(subject256):
    """The colour painted where the photo's lids covered the eyeball comes from the photo's own visible
    white (light, little colour), not a fixed white."""
    lm = subject256.observation.landmarks
    for contour, iris in ((LEFT_EYE, LEFT_IRIS), (RIGHT_EYE, RIGHT_IRIS)):
        eye = PhotoEye.from_photo(subject256.image, lm, contour, iris)
        darker = PhotoEye.from_photo((subject256.image * 0.6).astype(np.uint8), lm, contour, iris)
        assert eye.sclera.mean() > 90 and np.ptp(eye.sclera) < 0.35 * eye.sclera.mean()
        assert darker.sclera.mean() == pytest.approx(0.6 * eye.sclera.mean(), rel=0.05)
        width = np.ptp(lm[list(contour), 0])
        assert 0.15 * width <= eye.iris_radius <= 0.35 * width
