"""Property tests on the geometry every frame goes through: rotations, the fitted camera, Umeyama.

Conventions under test (types.py, render/camera.py): model frame +x = subject's left (image
right), +y up, +z to the viewer; yaw > 0 turns the nose to image right, pitch > 0 lifts the
chin, roll > 0 turns the head counter-clockwise on screen; image z: smaller = nearer.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tritalk.face.fit import FaceFit, umeyama
from tritalk.render.camera import rotation
from tritalk.render.rasterizer import interpolate, rasterize

PROPS = settings(max_examples=60, deadline=None)
# yaw and pitch stay off +-90 deg (gimbal lock: yaw and roll are not separable there)
yaws = st.floats(-85, 85)
pitches = st.floats(-85, 85)
rolls = st.floats(-175, 175)
NOSE = np.array([0.0, 0.0, 1.0])


def fit_with(rot: np.ndarray, scale: float = 1.0, t=(0.0, 0.0, 0.0)) -> FaceFit:
    return FaceFit(np.zeros(1, np.float32), np.zeros(52, np.float32), float(scale),
                   np.asarray(rot, np.float32), np.asarray(t, np.float32), 0.0)


def random_rotation(seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))  # a uniform rotation (Haar)
    return q if np.linalg.det(q) > 0 else -q


@PROPS
@given(yaws, pitches, rolls)
def test_rotation_is_proper_and_fit_angles_invert_it(yaw, pitch, roll):
    r = rotation(*np.radians([yaw, pitch, roll])).astype(np.float64)
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-5)
    assert np.linalg.det(r) == pytest.approx(1.0, abs=1e-5)
    got = fit_with(r).yaw_pitch_roll
    np.testing.assert_allclose(got, (yaw, pitch, roll), atol=0.05)


@PROPS
@given(st.floats(1, 85))
def test_sign_conventions(deg):
    a = np.radians(deg)
    assert (rotation(a, 0, 0) @ NOSE)[0] > 0.01  # yaw > 0: nose to +x (image right)
    assert (rotation(-a, 0, 0) @ NOSE)[0] < -0.01
    assert (rotation(0, a, 0) @ NOSE)[1] > 0.01  # pitch > 0: nose up, chin lifts
    chin = np.array([0.0, -1.0, 0.0])
    assert (rotation(0, a, 0) @ chin)[2] > 0.01  # ... the chin comes towards the viewer
    x_axis = rotation(0, 0, a) @ np.array([1.0, 0.0, 0.0])
    assert x_axis[1] > 0.01  # roll > 0: counter-clockwise with y up
    # in the image (y down): a fitted head with yaw > 0 has its nose right of its centre
    img = fit_with(rotation(a, 0, 0), scale=10.0, t=(100.0, -100.0, 0.0)).to_image(np.stack([np.zeros(3), NOSE]))
    assert img[1, 0] > img[0, 0] + 0.05
    # ... and pitch > 0 puts it above the centre (smaller row)
    img = fit_with(rotation(0, a, 0), scale=10.0, t=(100.0, -100.0, 0.0)).to_image(np.stack([np.zeros(3), NOSE]))
    assert img[1, 1] < img[0, 1] - 0.05


def test_nearer_is_smaller_image_z():
    img = fit_with(np.eye(3), scale=5.0).to_image(np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 2.0], [0.0, 1.0, 0.0]]))
    assert img[1, 2] < img[0, 2]  # +z (towards the viewer) is nearer
    assert img[2, 1] < img[0, 1]  # +y (up) is a smaller row


@PROPS
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(0.05, 200),
       t=st.tuples(*[st.floats(-5000, 5000)] * 3))
def test_to_image_to_model_round_trip(seed, scale, t):
    rng = np.random.default_rng(seed)
    fit = fit_with(random_rotation(seed), scale, t)
    x = rng.normal(0, 8, (50, 3)).astype(np.float32)  # a head-sized cloud, cm
    back = fit.to_model(fit.to_image(x))
    # float32 keeps ~7 digits of the image coordinates, i.e. of (head size + |t| / scale) in cm
    tol = 2e-6 * (30 + np.abs(t).max() / scale)
    np.testing.assert_allclose(back, x, atol=tol)
    # the image is a similarity: distances scale by `scale`
    img = fit.to_image(x).astype(np.float64)
    d_img = np.linalg.norm(img[1:] - img[:-1], axis=1)
    d_mod = np.linalg.norm(x[1:] - x[:-1], axis=1)
    np.testing.assert_allclose(d_img, scale * d_mod, rtol=1e-4, atol=2e-6 * (30 * scale + np.abs(t).max()))


@PROPS
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(0.01, 100),
       t=st.tuples(*[st.floats(-1000, 1000)] * 3), weighted=st.booleans())
def test_umeyama_recovers_a_random_similarity(seed, scale, t, weighted):
    rng = np.random.default_rng(seed)
    rot = random_rotation(seed)
    src = rng.normal(0, 5, (40, 3))
    dst = scale * src @ rot.T + np.asarray(t)
    w = rng.uniform(0.1, 1.0, len(src)) if weighted else None
    s, r, tt = umeyama(src, dst, w)
    assert s == pytest.approx(scale, rel=1e-6)
    np.testing.assert_allclose(r, rot, atol=1e-6)
    assert np.linalg.det(r) == pytest.approx(1.0, abs=1e-9)  # a rotation, never a reflection
    np.testing.assert_allclose(tt, t, atol=1e-6 * (1 + scale * 50 + np.abs(t).max()))


@PROPS
@given(seed=st.integers(0, 2**32 - 1))
def test_umeyama_never_returns_a_reflection(seed):
    rng = np.random.default_rng(seed)
    src = rng.normal(0, 5, (30, 3))
    dst = src * np.array([-1.0, 1.0, 1.0]) + rng.normal(0, 0.1, src.shape)  # a mirrored cloud
    _, r, _ = umeyama(src, dst)
    assert np.linalg.det(r) == pytest.approx(1.0, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(coords=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=12, max_size=12),
       z=st.lists(st.floats(-100, 100, allow_nan=False), min_size=6, max_size=6),
       h=st.integers(1, 48), w=st.integers(1, 48))
def test_rasterizer_stays_in_the_image_with_valid_weights(coords, z, h, w):
    xy = np.array(coords, np.float32).reshape(6, 2)
    faces = np.array([[0, 1, 2], [3, 4, 5], [0, 4, 2]])
    tri_id, bary, depth = rasterize(xy, np.array(z, np.float32), faces, h, w)
    assert tri_id.shape == (h, w) and bary.shape == (h, w, 3) and depth.shape == (h, w)
    covered = tri_id >= 0
    assert set(np.unique(tri_id)) <= {-1, 0, 1, 2}
    assert np.isinf(depth[~covered]).all() and np.isfinite(depth[covered]).all()
    if covered.any():
        b = bary[covered]
        assert (b > -1e-3).all() and np.allclose(b.sum(-1), 1.0, atol=1e-3)
    attr = interpolate(tri_id, bary, faces, np.arange(6, dtype=np.float32)[:, None].repeat(2, 1), fill=-1)
    assert attr.shape == (h, w, 2) and (attr[~covered] == -1).all()
