"""Rasterizer: coverage, z-buffer, interpolation, bounds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

import cv2

from tritalk.render.rasterizer import antialias_depth_edges, interpolate, rasterize


def test_coverage_matches_area():
    xy = np.array([[10, 10], [110, 20], [40, 100]], np.float32)
    tri_id, bary, depth = rasterize(xy, np.zeros(3, np.float32), np.array([[0, 1, 2]]), 128, 128)
    area = 0.5 * abs((110 - 10) * (100 - 10) - (40 - 10) * (20 - 10))
    assert abs((tri_id == 0).sum() - area) < 0.05 * area
    covered = tri_id >= 0
    np.testing.assert_allclose(bary[covered].sum(-1), 1.0, atol=1e-5)


def test_nearer_triangle_wins_and_interpolation_is_exact():
    xy = np.array([[0, 0], [63, 0], [0, 63], [63, 63]], np.float32)
    faces = np.array([[0, 1, 2], [0, 1, 2]])
    xy2 = np.concatenate([xy[:3], xy[:3]])
    z = np.array([5, 5, 5, 1, 1, 1], np.float32)
    tri_id, bary, depth = rasterize(xy2, z, np.array([[0, 1, 2], [3, 4, 5]]), 64, 64)
    assert set(np.unique(tri_id)) == {-1, 1}
    # a linear attribute (x, y) is reproduced exactly
    attr = interpolate(tri_id, bary, np.array([[0, 1, 2], [3, 4, 5]]), xy2, fill=-1)
    ys, xs = np.nonzero(tri_id >= 0)
    np.testing.assert_allclose(attr[ys, xs, 0], xs, atol=1e-3)
    np.testing.assert_allclose(attr[ys, xs, 1], ys, atol=1e-3)
    assert (attr[tri_id < 0] == -1).all()


def test_edges_and_antialias():
    depth = np.full((20, 20), 1.0, np.float32)
    depth[:, 10:] = 9.0
    img = np.zeros((20, 20, 3), np.uint8)
    img[:, 10:] = 255
    out = antialias_depth_edges(img, depth, jump=1.0)
    assert (0 < out[:, 9:11]).all() and (out[:, 9:11] < 255).all()  # both sides of the step softened
    assert (out[:, :9] == 0).all() and (out[:, 11:] == 255).all()  # nothing else
    assert (antialias_depth_edges(img.copy(), depth, jump=9.0) == img).all()  # a step below the jump: no edge


def _reference_antialias(img, depth, jump):  # the edge mask, a blurred copy, a masked copy
    d = np.where(np.isfinite(depth), depth.astype(np.float64), 1e6)
    p = np.pad(d, 1, mode="edge")
    edge = np.zeros(d.shape, bool)
    for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        edge |= np.abs(p[1 + dy:1 + dy + d.shape[0], 1 + dx:1 + dx + d.shape[1]] - d) > jump
    out = img.copy()
    np.copyto(out, cv2.blur(img, (3, 3), borderType=cv2.BORDER_REPLICATE), where=edge[..., None])
    return out


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 30), st.integers(1, 30), st.integers(0, 2**31 - 1))
def test_antialias_is_the_box_average_at_depth_steps(h, w, seed):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    depth = rng.choice(np.array([1.0, 1.5, 4.0, np.inf], np.float32), (h, w))
    np.testing.assert_array_equal(antialias_depth_edges(img.copy(), depth, 1.0), _reference_antialias(img, depth, 1.0))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-300, 300, allow_nan=False), min_size=6, max_size=6),
       st.integers(1, 40), st.integers(1, 40))
def test_never_writes_outside_the_image(coords, h, w):
    xy = np.array(coords, np.float32).reshape(3, 2)
    tri_id, bary, depth = rasterize(xy, np.ones(3, np.float32), np.array([[0, 1, 2]]), h, w)
    assert tri_id.shape == (h, w) and set(np.unique(tri_id)) <= {-1, 0}
    assert np.isfinite(depth[tri_id >= 0]).all()
