"""volume.py: cameras, plane sampling and the volume-rendering equation on analytic cases."""

from __future__ import annotations

import numpy as np
import torch

from tritalk.neural.volume import (TriplaneDecoder, camera_rays, march, render_planes, sample_from_planes,
                                   stratified_depths, view_matrices)


def _rays(yaw: float, res: int = 5, dist: float = 4.0):
    m, f = view_matrices(yaw, 0.0, 0.0, dist)
    return camera_rays(torch.from_numpy(m)[None], torch.tensor([f]), res)


def test_front_camera_looks_down_z_from_distance():
    origins, dirs = _rays(0.0)
    assert torch.allclose(origins[0, 0], torch.tensor([0.0, 0.0, -4.0]))
    centre = dirs[0, 12]  # the middle pixel of 5 x 5
    assert torch.allclose(centre, torch.tensor([0.0, 0.0, 1.0]), atol=1e-6)
    # the window: the corner pixel centre (u = -0.8) reaches x = -0.8 at the head-centre plane z = 0
    o, d = origins[0, 0], dirs[0, 0]
    p = o + d * (-o[2] / d[2])
    assert torch.allclose(p[:2], torch.tensor([-0.8, -0.8]), atol=1e-5)


def test_yaw_mirrors_and_circles_the_head_centre():
    (o_pos, d_pos), (o_neg, d_neg) = _rays(30.0), _rays(-30.0)
    assert torch.allclose(o_pos[0, 0, 0], -o_neg[0, 0, 0]) and abs(float(o_pos[0, 0, 0])) > 1.0
    assert torch.allclose(o_pos[0, 0].norm(), torch.tensor(4.0))
    assert torch.allclose(d_pos[0, 12, 0], -d_neg[0, 12, 0])


def test_constant_triplane_samples_to_that_constant():
    planes = torch.full((1, 3, 4, 8, 8), 0.7)
    pts = torch.rand(1, 50, 3) * 1.6 - 0.8
    feats = sample_from_planes(planes, pts, box=1.0)
    assert feats.shape == (1, 3, 50, 4)
    assert torch.allclose(feats, torch.full_like(feats, 0.7), atol=1e-6)


def test_march_uniform_density_gives_expected_opacity_and_mean_depth():
    depths = torch.linspace(0, 1, 101).expand(1, 1, 101)
    sigma = torch.full((1, 1, 101, 1), -30.0)  # softplus(-31) ~ 0: empty space
    feats = torch.ones(1, 1, 101, 3)
    _, opacity, _, _ = march(depths, sigma, feats)
    assert float(opacity) < 1e-6
    sigma = torch.full((1, 1, 101, 1), float(np.log(np.expm1(2.0)) + 1.0))  # density 2 after softplus(x - 1)
    rgb, opacity, depth, weights = march(depths, sigma, feats)
    assert abs(float(opacity) - (1 - np.exp(-2.0))) < 1e-4  # Beer-Lambert over unit length
    assert torch.allclose(rgb, opacity.expand(1, 1, 3), atol=1e-5)  # premultiplied white
    assert 0.3 < float(depth) < 0.5  # front-weighted: below the midpoint 0.5


def test_stratified_depths_stay_in_their_bins():
    near, far = torch.zeros(1, 4, 1), torch.ones(1, 4, 1)
    d = stratified_depths(near, far, 8, jitter=True)
    bins = torch.arange(8) / 8
    assert torch.all(d >= bins) and torch.all(d <= bins + 1 / 8)


def test_render_planes_shapes_and_camera_dependence():
    torch.manual_seed(0)
    planes = torch.randn(2, 3, 4, 8, 8)
    dec = TriplaneDecoder(4, 8, 5)
    mats = [view_matrices(y, 0.0, 0.0, 4.0) for y in (0.0, 30.0)]
    m = torch.from_numpy(np.stack([x for x, _ in mats]))
    f = torch.tensor([x for _, x in mats])
    out = render_planes(planes, dec, m, f, 8, 6, 4, 1.0, jitter=False)
    assert out.features.shape == (2, 5, 8, 8) and out.alpha.shape == (2, 1, 8, 8)
    assert torch.all(out.alpha >= 0) and torch.all(out.alpha <= 1)
    same = render_planes(planes[:1].expand(2, -1, -1, -1, -1), dec, m, f, 8, 6, 4, 1.0, jitter=False)
    assert (same.features[0] - same.features[1]).abs().max() > 1e-3  # the camera changes the picture
