"""The photo's camera distance (from the lens its EXIF records) is the default viewer's: a turned view keeps the
photo's own perspective, a phone selfie's or a portrait's."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from tritalk.face.subject import camera_distance
from tritalk.types import PORTRAIT_DISTANCE_CM, Camera


def test_the_distance_is_a_pinhole_cameras():
    # a phone's main camera (26 mm equivalent) on a 4032 x 3024 frame, a head 35 cm away: its focal length in
    # pixels is 26 / 43.27 of the frame's diagonal, and a cm at the head spans focal / 35 pixels
    focal_px = 26.0 / 43.27 * np.hypot(4032, 3024)
    assert camera_distance(26.0, (3024, 4032), focal_px / 35.0) == pytest.approx(35.0, rel=1e-3)
    # a portrait lens (85 mm) from 1.5 m
    focal_px = 85.0 / 43.27 * np.hypot(6000, 4000)
    assert camera_distance(85.0, (4000, 6000), focal_px / 150.0) == pytest.approx(150.0, rel=1e-3)


def test_a_far_camera_is_taken_as_300_cm_and_a_crop_as_unknown(analyser, example_rgb):
    from tritalk.face.subject import prepare_subject

    far = prepare_subject(example_rgb, 256, analyser, focal_35mm=600.0)  # (a 600 mm lens framing a head: ~8 m)
    near = prepare_subject(example_rgb, 256, analyser, focal_35mm=10.0)  # (~14 cm: the frame must have been cut)
    assert far.camera_distance == 300.0 and near.camera_distance is None


def test_a_photo_with_its_lens_sets_the_viewers_distance(tmp_path, example_rgb):
    from tritalk.config import TritalkConfig
    from tritalk.pipeline import TalkingHead
    from tritalk.render.mesh_engine import MeshEngine

    four_three = example_rgb[: example_rgb.shape[1] * 3 // 4]  # (a camera's frame: 4:3, the face inside)
    h, w = four_three.shape[:2]
    exif = Image.Exif()
    sub = exif.get_ifd(0x8769)
    sub[0xA405], sub[0xA002], sub[0xA003] = 50, w, h  # a 50 mm equivalent, the whole frame
    Image.fromarray(four_three).save(tmp_path / "lens.jpg", exif=exif, quality=95)
    Image.fromarray(four_three[:, : w - 100]).save(tmp_path / "crop.jpg", exif=exif, quality=95)
    with TalkingHead.load(config=TritalkConfig(size=256)) as th:
        lens, crop = th.subject(tmp_path / "lens.jpg"), th.subject(tmp_path / "crop.jpg")
    # a 50 mm lens (47 deg diagonal) framing the example as this 4:3 frame does stood about 60 cm from the head
    assert 50.0 < lens.camera_distance < 75.0
    assert crop.camera_distance is None  # the EXIF describes a frame the file no longer is: unknown
    assert MeshEngine(lens)._distance_cm(Camera()) == pytest.approx(lens.camera_distance)
    assert MeshEngine(crop)._distance_cm(Camera()) == PORTRAIT_DISTANCE_CM
    assert MeshEngine(lens)._distance_cm(Camera(distance=35.0)) == 35.0  # the user's distance wins


def test_the_default_view_takes_the_photos_perspective(subject256):
    from tritalk.render.mesh_engine import MeshEngine

    selfie = MeshEngine(replace(subject256, camera_distance=35.0))
    unknown = MeshEngine(subject256)
    zero, head = np.zeros(52, np.float32), np.zeros(6, np.float32)
    got = selfie.project(zero, head, Camera(yaw=60))
    np.testing.assert_allclose(got, unknown.project(zero, head, Camera(yaw=60, distance=35.0)), atol=1e-3)
    assert np.abs(got - unknown.project(zero, head, Camera(yaw=60))).max() > 5.0  # (100 cm: another picture)
