"""Shapes and contracts of each paper box: E_m, E_id, M_e, G (tri-plane synthesis), R, and the whole generator."""

from __future__ import annotations

import numpy as np
import torch

from tritalk.neural.emotion_mapper import EmotionMapper
from tritalk.neural.generator import TRIPLANE_CONFIGS, TriplaneGenerator
from tritalk.neural.identity_encoder import IdentityEncoder
from tritalk.neural.motion_encoder import MotionEncoder, expression_windows
from tritalk.neural.superres import SuperResolution
from tritalk.neural.triplane import TriplaneSynthesis
from tritalk.neural.volume import view_matrices


def test_motion_encoder_window_and_shape():
    expr = np.random.default_rng(0).uniform(0, 1, (20, 52)).astype(np.float32)
    win = expression_windows(expr)
    assert win.shape == (20, 11, 52)
    assert np.array_equal(win[0, :6], np.repeat(expr[:1], 6, 0))  # edges repeat the first frame
    assert np.array_equal(win[10, 5], expr[10])  # the frame sits in the middle
    z = MotionEncoder(8, 16, 2)(torch.from_numpy(win))
    assert z.shape == (20, 8)


def test_identity_encoder_pyramid_levels_and_code():
    enc = IdentityEncoder(16, 4)
    img = torch.rand(2, 3, 64, 64)
    levels = enc.pyramid(img)
    assert [tuple(p.shape[-2:]) for p in levels] == [(16, 16), (8, 8), (4, 4)]
    assert enc(img).shape == (2, 16)


def test_emotion_mapper_neutral_is_identity_and_weights_mix():
    torch.manual_seed(0)
    m = EmotionMapper(16, 16)
    w = torch.randn(3, 16)
    neutral = torch.zeros(3, 8)
    neutral[:, 0] = 1
    assert torch.equal(m(w, neutral), w)  # before stage 3, and at intensity 0, M_e changes nothing
    for p in m.parameters():  # as after training: every branch moves the code
        torch.nn.init.normal_(p, std=0.3)
    happy = torch.zeros(3, 8)
    happy[:, 5] = 1
    half = 0.5 * happy + 0.5 * neutral
    d_full, d_half = m(w, happy) - w, m(w, half) - w
    assert d_full.abs().max() > 1e-3
    assert torch.allclose(d_half, 0.5 * d_full, atol=1e-5)  # outputs summed with the emotion weights
    assert torch.equal(m(w, neutral), w)


def test_synthesis_and_superres_shapes():
    g = TriplaneSynthesis(16, 8, 8, 16, 4)
    planes = g(torch.randn(2, 16), torch.randn(2, 8))
    assert planes.shape == (2, 3, 4, 16, 16)
    r = SuperResolution(5, 8, 16, 32)
    rgb, alpha = r(torch.rand(2, 5, 8, 8), torch.rand(2, 1, 8, 8), torch.randn(2, 16))
    assert rgb.shape == (2, 3, 32, 32) and alpha.shape == (2, 1, 32, 32)


def test_generator_forward_shapes_and_configs(micro):
    g = TriplaneGenerator(micro)
    m, f = view_matrices(0.0, 0.0, 0.0, 4.0)
    emo = torch.zeros(2, 8)
    emo[:, 0] = 1
    out = g(torch.rand(2, 3, 32, 32), torch.rand(2, 11, 52), emo, torch.from_numpy(m)[None].expand(2, 4, 4),
            torch.tensor([f, f]))
    assert out.rgb.shape == (2, 3, 16, 16) and out.alpha.shape == (2, 1, 16, 16)
    assert out.raw_rgb.shape == (2, 3, 8, 8) and out.w.shape == (2, 16) and out.z_m.shape == (2, 8)
    assert TRIPLANE_CONFIGS["base"].plane_res == 256 and TRIPLANE_CONFIGS["base"].w_dim == 512  # the paper's scale


def test_superres_upsampling_block_doubles_the_size_and_starts_as_the_smaller_R_upsampled():
    torch.manual_seed(0)
    small, big = SuperResolution(5, 8, 16, 32), SuperResolution(5, 8, 16, 64, n_up=1)
    assert set(small.state_dict()) < set(big.state_dict())  # the first part has the same names and shapes
    assert all(k.startswith("ups.") for k in set(big.state_dict()) - set(small.state_dict()))
    big.load_state_dict(small.state_dict(), strict=False)
    with torch.no_grad():  # a trained-looking residual, so the comparison is not just the bilinear features
        small.to_rgb.weight.normal_(0, 0.02)  # small enough that no pixel reaches R's clamp to [0, 1]
        big.to_rgb.weight.copy_(small.to_rgb.weight)
    feats, alpha, w = 0.3 + 0.4 * torch.rand(2, 5, 8, 8), torch.rand(2, 1, 8, 8), torch.randn(2, 16)
    with torch.no_grad():
        rgb_s, _ = small(feats, alpha, w)
        rgb_b, alpha_b = big(feats, alpha, w)
    assert rgb_b.shape == (2, 3, 64, 64) and alpha_b.shape == (2, 1, 64, 64)
    assert float(rgb_s.min()) > 0 and float(rgb_s.max()) < 1
    up = torch.nn.functional.interpolate(rgb_s, scale_factor=2, mode="bilinear", align_corners=False)
    assert torch.allclose(rgb_b, up, atol=1e-5)
    assert float(alpha_b.min()) >= 0 and float(alpha_b.max()) <= 1


def test_tiny128_draws_128_with_tiny_s_volume():
    tiny, t128 = TRIPLANE_CONFIGS["tiny"], TRIPLANE_CONFIGS["tiny128"]
    assert (t128.out_res, t128.sr_upsamples, tiny.out_res, tiny.sr_upsamples) == (128, 1, 64, 0)
    assert (t128.render_res, t128.plane_res, t128.n_coarse, t128.n_fine) == \
        (tiny.render_res, tiny.plane_res, tiny.n_coarse, tiny.n_fine)
    g = TriplaneGenerator(t128).eval()
    m, f = view_matrices(0.0, 0.0, 0.0, 4.0)
    emo = torch.zeros(1, 8)
    emo[:, 0] = 1
    with torch.no_grad():
        out = g(torch.rand(1, 3, 64, 64), torch.rand(1, 11, 52), emo, torch.from_numpy(m)[None], torch.tensor([f]))
    assert out.rgb.shape == (1, 3, 128, 128) and out.alpha.shape == (1, 1, 128, 128)
    assert out.raw_rgb.shape == (1, 3, 32, 32)
