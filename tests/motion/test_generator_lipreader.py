"""motion/lipreader.py: lip vertices follow the coefficients; eq. (1) losses are finite, weighted, and fall."""

from __future__ import annotations


import numpy as np
import pytest
import torch

from tritalk.arkit import expansion_matrix
from tritalk.audio.phones import N_TOKENS
from tritalk.motion.generator import MotionGenerator, MotionGeneratorConfig
from tritalk.motion.lipreader import (
    LIP_IDS, LipReader, LipReaderConfig, MotionLossWeights, lipreader_losses, motion_losses,
)
from tritalk.types import IDX, N_EXPR

@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny models: one thread is many times faster than two oversubscribed ones on a busy 2-core CI."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


TINY_LR = LipReaderConfig(latent_dim=8, d_model=16, n_layers=1, dropout=0.0)


def _batch(b=2, t=30, d=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    tokens = torch.randint(1, N_TOKENS, (b, 6), generator=g)
    return dict(latent=torch.randn(b, t, d, generator=g), tokens=tokens, token_lengths=torch.tensor([6, 4][:b]),
                frames=torch.ones(b, t, dtype=torch.bool), valid=torch.ones(b, t, dtype=torch.bool))


def test_lip_vertices_open_with_jaw():
    r = LipReader(TINY_LR)
    assert len(LIP_IDS) == 40
    e = torch.zeros(1, 2, N_EXPR)
    e[0, 1, IDX["jawOpen"]] = 1.0
    v = r.lip_vertices(e).reshape(1, 2, 40, 3)
    assert torch.all(v[0, 0] == 0)  # neutral = no offset
    lower_lip = LIP_IDS.index(14)  # inner lower-lip centre moves down (-y) when the jaw opens
    assert float(v[0, 1, lower_lip, 1]) < -0.5


def test_losses_are_finite_and_weighted():
    torch.manual_seed(0)
    r = LipReader(TINY_LR)
    b = _batch()
    pred = torch.rand(2, 30, N_EXPR)
    target = torch.rand(2, 30, N_EXPR)
    w1 = motion_losses(pred, target, r, b["latent"], b["tokens"], b["token_lengths"], b["frames"], b["valid"])
    w2 = motion_losses(pred, target, r, b["latent"], b["tokens"], b["token_lengths"], b["frames"], b["valid"],
                       MotionLossWeights(lat=2.0, ctc=0.2, mse=20.0))
    assert set(w1) == {"lat", "ctc", "mse"}
    for k in w1:
        assert torch.isfinite(w1[k]) and float(w1[k]) > 0
        assert torch.allclose(w2[k], 2 * w1[k])
    # L_MSE is the paper's λ=10 times the plain MSE on valid frames.
    assert torch.allclose(w1["mse"], 10 * ((pred - target) ** 2).mean())
    # Padded frames do not count.
    frames = b["frames"].clone()
    frames[:, 20:] = False
    pred2 = pred.clone()
    pred2[:, 20:] = 0.0
    a = motion_losses(pred, target, r, b["latent"], b["tokens"], b["token_lengths"], frames, b["valid"])
    c = motion_losses(pred2, target, r, b["latent"], b["tokens"], b["token_lengths"], frames, b["valid"])
    assert torch.allclose(a["mse"], c["mse"])


def test_lipreader_overfits_a_tiny_batch():
    torch.manual_seed(0)
    r = LipReader(TINY_LR)
    b = _batch(seed=1)
    expr = torch.rand(2, 30, N_EXPR) * 0.5
    opt = torch.optim.Adam(r.parameters(), lr=1e-2)
    first = last = None
    for step in range(150):
        terms = lipreader_losses(r, expr, b["latent"], b["tokens"], b["token_lengths"], b["frames"], b["valid"])
        loss = terms["lat"] + terms["ctc"]
        assert all(torch.isfinite(v) for v in terms.values())
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = first if first is not None else {k: float(v) for k, v in terms.items()}
        last = {k: float(v) for k, v in terms.items()}
    assert last["lat"] < 0.7 * first["lat"]
    assert last["ctc"] < 0.5 * first["ctc"]


def test_generator_learns_through_a_frozen_lipreader():
    """Eq. (1) on a tiny overfit: all three terms fall and the lip reader's weights do not move."""
    torch.manual_seed(0)
    g = MotionGenerator(MotionGeneratorConfig(in_dim=8, d_model=16, n_layers=1, n_heads=2, ff_dim=32, dropout=0.0))
    r = LipReader(TINY_LR).eval().requires_grad_(False)
    before = [p.clone() for p in r.parameters()]
    expand = torch.from_numpy(expansion_matrix(g.config.targets))
    b = _batch(seed=2)
    feats = torch.randn(2, 30, 8)
    target = torch.rand(2, 30, len(g.config.targets)) * 0.4
    opt = torch.optim.Adam(g.parameters(), lr=3e-3)
    hist = []
    for _ in range(80):
        terms = motion_losses(g(feats)["coeffs"] @ expand, target @ expand, r, b["latent"], b["tokens"],
                              b["token_lengths"], b["frames"], b["valid"])
        opt.zero_grad()
        sum(terms.values()).backward()
        opt.step()
        hist.append({k: float(v) for k, v in terms.items()})
    for k in ("lat", "ctc", "mse"):
        assert np.isfinite(hist[-1][k])
        assert hist[-1][k] < hist[0][k], k
    assert all(torch.equal(a, p) for a, p in zip(before, r.parameters()))
