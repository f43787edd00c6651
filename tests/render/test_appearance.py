"""render/appearance.py: emotion-driven creases and shading, on the rendered bundled portrait."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import photo_plus
from tritalk.render.appearance import emotion_appearance
from tritalk.render.mesh_engine import MeshEngine
from tritalk.types import IDX

ZERO_HEAD = np.zeros(6, np.float32)


@pytest.fixture(scope="module")
def engine(subject256):
    return MeshEngine(subject256)


def shaded(engine, subject, **coeffs):
    """(frame before, frame after, landmarks) for the rest-pose render with extra coefficients."""
    expr = subject.ref_expr.copy()
    for k, v in coeffs.items():
        for name in ([k] if k in IDX else [k + "Left", k + "Right"]):
            expr[IDX[name]] = min(1.0, expr[IDX[name]] + v)
    v = engine.project(np.zeros(52, np.float32), ZERO_HEAD)[:, :2]
    before = subject.image.copy()
    after = before.copy()
    emotion_appearance(after, v, expr, ref=subject.ref_expr)
    return before, after, v


def box(v, idx, pad=4):
    pts = v[list(idx)]
    x0, y0 = np.floor(pts.min(0)).astype(int) - pad
    x1, y1 = np.ceil(pts.max(0)).astype(int) + pad
    return slice(max(y0, 0), y1), slice(max(x0, 0), x1)


def test_the_photos_own_expression_changes_nothing(engine, subject256):
    before, after, _ = shaded(engine, subject256)
    np.testing.assert_array_equal(before, after)


def test_raised_brows_crease_the_forehead_only(engine, subject256):
    before, after, v = shaded(engine, subject256, browInnerUp=0.9, browOuterUp=0.9)
    diff = np.abs(after.astype(int) - before.astype(int)).sum(2)
    brow_y = v[[105, 334], 1].mean()
    assert diff[: int(brow_y)].sum() > 0.8 * diff.sum()  # above the brows
    forehead = box(v, (105, 334, 10), pad=0)
    assert after[forehead].mean() < before[forehead].mean()  # creases darken
    assert (after[forehead].astype(int) - before[forehead]).min() > -0.35 * 255  # subtle, not painted lines
    x0 = int(v[:468, 0].min()) - 30
    assert not diff[:, : max(x0, 0)].any()  # the background is untouched


def test_smile_creases_eye_corners_and_nasolabial_folds(engine, subject256):
    before, after, v = shaded(engine, subject256, mouthSmile=0.8, cheekSquint=0.8)
    diff = np.abs(after.astype(int) - before.astype(int)).sum(2)
    for idx in ((33, 130, 226), (263, 359, 446), (129, 61), (358, 291)):  # crow's feet, folds
        assert diff[box(v, idx, pad=10)].max() > 10


def test_sadness_reddens_the_eyes(engine, subject256):
    before, after, v = shaded(engine, subject256, browInnerUp=0.9, mouthFrown=0.8)
    eye = box(v, (33, 133, 159, 145), pad=2)
    b, a = before[eye].astype(float), after[eye].astype(float)
    assert (a[..., 0] / (a[..., 1] + 1)).mean() > 1.03 * (b[..., 0] / (b[..., 1] + 1)).mean()


def test_render_shows_the_creases(engine, subject256):
    rest = engine.render_frame(photo_plus(engine, np.zeros(52, np.float32)), ZERO_HEAD)
    e = np.zeros(52, np.float32)
    e[IDX["browDownLeft"]] = e[IDX["browDownRight"]] = 1.0
    frowning = engine.render_frame(photo_plus(engine, e), ZERO_HEAD)
    v = engine.project(engine.expr_delta(photo_plus(engine, e)), ZERO_HEAD)[:, :2]
    between = box(v, (55, 285, 9, 168), pad=0)
    assert frowning[between].astype(float).mean() < rest[between].astype(float).mean() - 1.0
