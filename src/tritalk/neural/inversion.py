"""Inversion at inference (Sec. III-B): a few optimisation steps on the identity code, and (pivotal tuning)
on the generator, so the rest view of the tri-plane head looks like the reference photo.

Targets are head windows with their masks, cameras and expressions: the photo itself (front view, its own
expression) and, optionally, mesh-engine renders of the same photo at other views and expressions
(triplane_engine.py builds them). Each step fits the photo and one of the other targets (a fixed,
seeded order: the same inputs give the same result), on premultiplied L1 + opacity L1 + the
Laplacian-pyramid term + the mouth term (training/stages.py ``mouth_l1``, where a target carries a mouth region):
without it, tuning the generator towards a photo with a closed mouth flattens how its mouth follows z_m; + the
motion-difference term (``motion_difference_l1``) between the photo and the front views at other jaw openings:
their change from the photo's motion code against the mesh renders' change (``InversionTarget.rest``). It
stops after ``steps`` or when ``seconds`` have passed.
"""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from tritalk.neural.generator import TriplaneGenerator
from tritalk.neural.losses import laplacian_pyramid_l1

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InversionTarget:
    image: torch.Tensor  # (3, S, S) in [0, 1], S = the generator's out_res
    mask: torch.Tensor  # (1, S, S) head mask in [0, 1]
    windows: torch.Tensor  # (11, 52) E_m input
    world2cam: torch.Tensor  # (4, 4)
    focal: torch.Tensor  # () normalised focal length
    mouth: torch.Tensor | None = None  # (1, S, S) mouth region in [0, 1] (head_window.mouth_mask), or None
    rest: torch.Tensor | None = None
    """(3, S, S) the mesh render of this target's view at the photo's own expression (the photo's mask applies),
    for a target with the photo's camera: the base of the motion-difference term; None = no such term."""


@dataclass(frozen=True)
class InversionResult:
    model: TriplaneGenerator  # a tuned copy (the input model is not changed)
    w: torch.Tensor  # (1, W) the identity code after inversion (before M_e)
    steps: int
    seconds: float
    loss_first: float
    loss_last: float


def _loss(model: TriplaneGenerator, w: torch.Tensor, targets: list[InversionTarget], mouth_weight: float = 1.0,
          diff_weight: float = 0.0) -> torch.Tensor:
    """``targets[0]`` is the photo; ``diff_weight`` scales the motion-difference term between it and each other
    target with a ``rest`` render (same camera: the render's change from the photo's motion code against the
    mesh renders' change, over the mouth region)."""
    from tritalk.training.stages import motion_difference_l1, mouth_l1

    b = len(targets)
    stack = lambda name: torch.stack([getattr(t, name) for t in targets])  # noqa: E731
    z = model.motion_encoder(stack("windows"))
    rgb, alpha, raw, raw_a = model.render(w.expand(b, -1), z, stack("world2cam"), stack("focal"))
    tgt, mask = stack("image") * stack("mask"), stack("mask")
    low = F.interpolate(tgt, size=raw.shape[-2:], mode="area")
    loss = (F.l1_loss(rgb, tgt) + F.l1_loss(alpha, mask) + F.l1_loss(raw, low)
            + F.l1_loss(raw_a, F.interpolate(mask, size=raw.shape[-2:], mode="area")) + laplacian_pyramid_l1(rgb, tgt))
    if mouth_weight > 0 and all(t.mouth is not None for t in targets):
        mouth = stack("mouth")
        loss = loss + mouth_weight * (mouth_l1(rgb, tgt, mouth) + mouth_l1(raw, tgt, mouth))
    diffs = [i for i in range(1, b) if targets[i].rest is not None and targets[i].mouth is not None]
    if diff_weight > 0 and diffs and targets[0].mouth is not None:
        pairs = [k for i in diffs for k in (0, i)]  # rows (photo, target i)
        base = [targets[0].mask * targets[i].rest for i in diffs]
        d_tgt = torch.stack([x for i, r in zip(diffs, base) for x in (r, tgt[i])])
        mouth = torch.stack([t.mouth for t in targets])[pairs]
        flags = torch.ones(len(pairs))
        loss = loss + diff_weight * (motion_difference_l1(rgb[pairs], d_tgt, mouth, flags)
                                     + motion_difference_l1(raw[pairs], d_tgt, mouth, flags))
    return loss


def invert(model: TriplaneGenerator, reference: torch.Tensor, targets: list[InversionTarget], steps: int,
           seconds: float, lr: float = 0.01, tune_generator: bool = True, seed: int = 0,
           mouth_weight: float = 1.0, diff_weight: float = 0.0) -> InversionResult:
    """Fit the code w = E_id(reference) (+ the generator when ``tune_generator``) to ``targets`` (the first is
    the photo, used every step); ``mouth_weight`` scales the mouth term, ``diff_weight`` the motion-difference
    term (targets with a ``rest`` render)."""
    model = copy.deepcopy(model).eval()
    with torch.no_grad():
        w0 = model.identity_encoder(reference[None])
    w = w0.clone().requires_grad_(True)
    params = [{"params": [w], "lr": lr}]
    model.requires_grad_(False)
    if tune_generator:
        tuned = [*model.synthesis.parameters(), *model.decoder.parameters(), *model.superres.parameters()]
        for p in tuned:
            p.requires_grad_(True)
        params.append({"params": tuned, "lr": lr * 0.1})
    opt = torch.optim.Adam(params)
    rng = np.random.default_rng(seed)
    t0, first, last, done = time.perf_counter(), float("nan"), float("nan"), 0
    for step in range(steps):
        others = list(rng.permutation(np.arange(1, len(targets)))[:1]) if len(targets) > 1 else []
        loss = _loss(model, w, [targets[0]] + [targets[i] for i in others], mouth_weight, diff_weight)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        last = float(loss.detach())
        first = last if step == 0 else first
        done = step + 1
        if time.perf_counter() - t0 > seconds and done < steps:
            logger.warning("inversion stopped by its %.0f s budget after %d of %d steps (raise "
                           "TriplaneConfig.inversion_seconds on a slow machine)", seconds, done, steps)
            break
    model.requires_grad_(False)
    secs = time.perf_counter() - t0
    logger.info("inversion: %d steps in %.1f s, loss %.4f -> %.4f", done, secs, first, last)
    return InversionResult(model, w.detach(), done, secs, first, last)
