"""Face analysis, the transferred face model and the fit, on a real portrait."""

from __future__ import annotations

import numpy as np
import pytest

from tritalk.errors import ConfigError, NoFaceError
from tritalk.face.fit import fit_face
from tritalk.face.model import FaceModel
from tritalk.types import IDX


def test_analyse_real_portrait(analyser, example_rgb):
    obs = analyser.analyse(example_rgb)
    h, w = example_rgb.shape[:2]
    assert obs.landmarks.shape == (478, 3) and obs.n_faces == 1
    assert (obs.landmarks[:, 0] > 0).all() and (obs.landmarks[:, 0] < w).all()
    assert ((0 <= obs.blendshapes) & (obs.blendshapes <= 1)).all()
    assert obs.blendshapes[IDX["jawOpen"]] < 0.2  # a neutral closed-mouth photo


def test_largest_face_first_and_face_option(analyser, example_rgb):
    import cv2

    small = cv2.resize(example_rgb, None, fx=0.5, fy=0.5)
    canvas = np.full((example_rgb.shape[0], example_rgb.shape[1] + small.shape[1], 3), 255, np.uint8)
    canvas[:, : example_rgb.shape[1]] = example_rgb
    canvas[: small.shape[0], example_rgb.shape[1]:] = small
    faces = analyser.detect_all(canvas)
    assert len(faces) == 2
    assert faces[0].width > 1.6 * faces[1].width
    assert analyser.analyse(canvas, face=1).width == pytest.approx(faces[1].width)
    with pytest.raises(ConfigError):
        analyser.analyse(canvas, face=2)


def test_no_face_raises(analyser):
    with pytest.raises(NoFaceError):
        analyser.analyse(np.full((240, 320, 3), 128, np.uint8))


def test_model_shapes_move_the_right_places():
    m = FaceModel.load()
    jaw = m.expr_basis[IDX["jawOpen"]]
    assert jaw[152, 1] < -1.0  # chin drops by more than 1 cm at full jawOpen
    assert abs(jaw[10, 1]) < 0.1  # the forehead stays
    blink_l = m.expr_basis[IDX["eyeBlinkLeft"]]
    assert blink_l[386, 1] < -0.3 and abs(blink_l[159, 1]) < 0.05  # subject's left upper lid only
    assert m.neutral[386, 0] > 0  # +x is the subject's left


def test_fit_reproduces_landmarks_and_pose(analyser, example_rgb):
    m = FaceModel.load()
    obs = analyser.analyse(example_rgb)
    fit = fit_face(obs, m)
    assert fit.rms_px < 0.02 * obs.width
    yaw, pitch, roll = fit.yaw_pitch_roll
    mirrored = analyser.analyse(np.ascontiguousarray(example_rgb[:, ::-1]))
    fit_m = fit_face(mirrored, m)
    yaw_m, pitch_m, roll_m = fit_m.yaw_pitch_roll
    assert yaw_m == pytest.approx(-yaw, abs=3) and roll_m == pytest.approx(-roll, abs=3)  # model asymmetry ~1 deg
    assert pitch_m == pytest.approx(pitch, abs=3)
    # the round trip image -> model -> image is exact
    back = fit.to_image(fit.to_model(obs.landmarks))
    assert np.abs(back - obs.landmarks).max() < 1e-2
