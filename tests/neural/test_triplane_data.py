"""The tri-plane training data's twin renders: one view drawn twice, the mouth alone redrawn."""

from __future__ import annotations

import numpy as np

from tritalk.training.triplane_data import TriplaneDataConfig, random_mouth, render_portrait_samples
from tritalk.types import BLENDSHAPES, IDX

MOUTH = [IDX[n] for n in BLENDSHAPES if n.startswith(("jaw", "mouth"))]


def test_random_mouth_moves_only_the_mouth():
    rng = np.random.default_rng(0)
    base = np.full(len(BLENDSHAPES), 0.2, np.float32)
    for _ in range(20):
        e = random_mouth(rng, base)
        others = np.setdiff1d(np.arange(len(BLENDSHAPES)), MOUTH)
        assert np.array_equal(e[others], base[others]) and e.min() >= 0 and e.max() <= 1


def test_twin_renders_share_the_view_and_differ_in_the_mouth(subject256):
    cfg = TriplaneDataConfig(views_per_portrait=9, res=32, twin_share=0.5)
    s = render_portrait_samples(subject256, cfg, np.random.default_rng(0))
    cams, expr = s["cams"], s["windows"][:, 5]
    twins = [i for i in range(2, len(cams)) if np.array_equal(cams[i], cams[i - 1])
             and not np.array_equal(expr[i], expr[i - 1])]
    assert twins  # at share 0.5 every new view is followed by its twin
    others = np.setdiff1d(np.arange(expr.shape[1]), MOUTH)
    for i in twins:
        assert np.allclose(expr[i, others], expr[i - 1, others])  # emotion and blink kept, the mouth redrawn
    none = render_portrait_samples(subject256, TriplaneDataConfig(views_per_portrait=9, res=32, twin_share=0.0),
                                   np.random.default_rng(0))
    assert len({c.tobytes() for c in none["cams"][1:]}) >= 4  # no twins: new cameras (front ones may repeat)
