"""Faces tritalk refuses, each with a message that says the measured value and what works."""

from __future__ import annotations

import logging

import cv2
import numpy as np
import pytest

from tritalk.errors import ConfigError, NoFaceError
from tritalk.face.analyse import MAX_YAW_DEG, MIN_FACE_PX
from tritalk.face.fit import FaceFit, check_head_pose
from tritalk.render.camera import rotation


def _fit(yaw_deg: float) -> FaceFit:
    return FaceFit(np.zeros(1, np.float32), np.zeros(52, np.float32), 10.0,
                   rotation(np.radians(yaw_deg), np.radians(5.0), 0.0), np.zeros(3, np.float32), 1.0)


@pytest.mark.parametrize("yaw", [0.0, 35.0, -59.0, MAX_YAW_DEG])
def test_turned_faces_within_the_range_pass(yaw):
    check_head_pose(_fit(yaw), "'me.jpg'")


@pytest.mark.parametrize("yaw, side", [(70.0, "right"), (-64.0, "left"), (89.0, "right")])
def test_a_profile_names_its_angle_and_the_working_range(yaw, side):
    with pytest.raises(NoFaceError) as e:
        check_head_pose(_fit(yaw), "'me.jpg'")
    msg = str(e.value)
    assert f"turned {abs(yaw):.0f} deg towards image {side}" in msg
    assert f"at most {MAX_YAW_DEG:.0f} deg" in msg and "'me.jpg'" in msg and "\n" not in msg


def test_a_small_face_names_its_width_and_the_minimum(analyser, example_rgb):
    tiny = cv2.resize(example_rgb, (128, 128), interpolation=cv2.INTER_AREA)  # face ~43 px wide
    with pytest.raises(NoFaceError, match=rf"only 4\d px wide; .* at least {MIN_FACE_PX} px"):
        analyser.analyse(tiny, name="'tiny.jpg'")
    ok = cv2.resize(example_rgb, (176, 176), interpolation=cv2.INTER_AREA)  # face ~59 px: enough
    assert analyser.analyse(ok).width >= MIN_FACE_PX


def test_no_face_says_what_works(analyser):
    with pytest.raises(NoFaceError) as e:
        analyser.analyse(np.full((300, 400, 3), 127, np.uint8), name="'wall.jpg'")
    msg = str(e.value)
    assert "no face found in 'wall.jpg'" in msg and f"{MIN_FACE_PX} px" in msg and f"{MAX_YAW_DEG:.0f} deg" in msg


def test_a_face_cut_off_by_the_edge_is_refused(analyser, example_rgb):
    h, w = example_rgb.shape[:2]
    with pytest.raises(NoFaceError, match=r"cut off by the photo's left edge \(\d+% of it is outside\)"):
        analyser.analyse(np.ascontiguousarray(example_rgb[:, w * 4 // 9:]))  # a third of the face is gone
    with pytest.raises(NoFaceError, match="bottom edge"):
        analyser.analyse(np.ascontiguousarray(example_rgb[: h * 2 // 3]))  # the chin is cut off
    analyser.analyse(np.ascontiguousarray(example_rgb[:, w // 4:]))  # close to the edge but whole: fine


def test_several_faces_largest_first_with_a_note_and_face_picks(analyser, example_rgb, caplog):
    big = cv2.resize(example_rgb, (560, 560), interpolation=cv2.INTER_AREA)
    small = cv2.resize(example_rgb, (400, 400), interpolation=cv2.INTER_AREA)
    group = np.full((560, 1000, 3), 235, np.uint8)
    group[:, 440:] = big
    group[80:480, :400] = small
    with caplog.at_level(logging.WARNING):
        largest = analyser.analyse(group, name="'group.jpg'")
    assert "found 2 faces in 'group.jpg'; using the largest (--face N" in caplog.text
    assert largest.landmarks[:, 0].mean() > 500  # the big face, on the right
    other = analyser.analyse(group, face=1)
    assert other.landmarks[:, 0].mean() < 400 and other.width < largest.width
    with pytest.raises(ConfigError, match=r"--face 2 asked for, but the image has 2 face\(s\); use --face 0\.\.1"):
        analyser.analyse(group, face=2)
    with pytest.raises(ConfigError, match="--face -1 is invalid"):
        analyser.analyse(group, face=-1)
