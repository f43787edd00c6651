"""Training stages of the motion branch (Sec. III-C1), one function each, returning named weighted losses.

  stage "lipreader": the lip reader learns to read truth coefficient tracks (measured on real video,
                     or the calibrated synthetic tracks): L_lat + L_ctc.
  stage "motion":    G_m learns with the lip reader frozen: eq. (1),
                     L = L_lat + λ_ctc L_ctc + λ_MSE L_MSE  (λ_ctc = 0.1, λ_MSE = 10).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from tritalk.motion.generator import MotionGenerator
from tritalk.motion.lipreader import LipReader, MotionLossWeights, lipreader_losses, motion_losses


@dataclass(frozen=True)
class LipReaderLossWeights:
    lat: float = 1.0
    ctc: float = 1.0


def audio_latent(generator: MotionGenerator, features: torch.Tensor) -> torch.Tensor:
    """The audio latent S^lat the lip reader must reproduce: the encoder features, normalised as G_m sees them."""
    g = getattr(generator, "module", generator)  # unwrap DDP
    return (features - g.feature_mean) / g.feature_std


def lipreader_stage(reader: LipReader, generator: MotionGenerator, batch: dict, expand: torch.Tensor,
                    weights: LipReaderLossWeights = LipReaderLossWeights()) -> dict[str, torch.Tensor]:
    expr = batch["target"] @ expand  # (B, T, 52)
    terms = lipreader_losses(reader, expr, audio_latent(generator, batch["features"]), batch["tokens"],
                             batch["token_lengths"], batch["frames"], batch["valid"])
    return {"lat": weights.lat * terms["lat"], "ctc": weights.ctc * terms["ctc"]}


def motion_stage(generator: MotionGenerator, reader: LipReader, batch: dict, expand: torch.Tensor,
                 weights: MotionLossWeights = MotionLossWeights()) -> dict[str, torch.Tensor]:
    out = generator(batch["features"], key_padding_mask=~batch["frames"])
    pred = out["coeffs"] @ expand
    terms = motion_losses(pred, batch["target"] @ expand, reader, audio_latent(generator, batch["features"]),
                          batch["tokens"], batch["token_lengths"], batch["frames"], batch["valid"], weights,
                          batch["weight"])
    if "closure_logit" in out and "closed" in batch and weights.closure > 0:
        # Per-frame /p b m/ closure (phone timings), on every frame with audio (real and synthetic).
        bce = torch.nn.functional.binary_cross_entropy_with_logits(out["closure_logit"], batch["closed"],
                                                                   reduction="none")
        m = batch["frames"].to(bce.dtype)
        terms["closure"] = weights.closure * (bce * m).sum() / m.sum().clamp_min(1.0)
    return terms


def freeze(module: torch.nn.Module) -> torch.nn.Module:
    """Frozen part of a stage: no gradients, eval mode (no dropout)."""
    module.requires_grad_(False)
    return module.eval()


# --- the tri-plane generator (Sec. III-C2, III-C3) ------------------------------------------------------


@dataclass(frozen=True)
class PortraitLossWeights:
    """Eq. (2): L = λ_VGG L_VGG + λ_pixel L_pixel + λ_reg L_reg + λ_ID L_ID, + λ_mouth L_mouth (ours, below)."""

    vgg: float = 0.8  # λ_VGG (or its named substitute)
    pixel: float = 1.0  # λ_pixel: L1 of the premultiplied RGB after R, of the volume's own RGB, and of opacity
    reg: float = 0.1  # λ_reg: the identity code's distance from w̄_id and the motion code's size
    id: float = 0.2  # λ_ID (or its named substitute)
    mouth: float = 1.0
    """λ_mouth: not in the paper. ``mouth_l1``: the L1 of the premultiplied RGB (after R and the volume's own)
    averaged over the mouth region only (head_window.mouth_mask). The mouth is ~3 % of a 64² face window, so
    under L_pixel alone a model that never opens it loses little (the first shipped tiny model: its mouth
    followed jawOpen at 4-6 % of the real range). At 1 the mouth region weighs as much as the whole window's
    L_pixel; 0 = eq. (2) as published."""
    motion_diff: float = 2.0
    """λ_diff: not in the paper. ``motion_difference_l1``: for a pair of rows with the same identity image and the
    same camera (two motion codes of one view), the L1 between the predicted change (render_a - render_b) and
    the target change (target_a - target_b), averaged over the mouth region. An L1 on frames is small for a
    mouth that moves half as far as the target's (the second shipped model: half the mesh render's change at
    jawOpen +0.35); an L1 on the change is not. 2 = twice the mouth term, not tuned; 0 = eq. (2) as published."""


@dataclass(frozen=True)
class EmotionLossWeights:
    """Eq. (3): λ_VGG = 0.05, λ_CLIP = 1, λ_reg = 0.7, λ_ID = 1, λ_sim = 1."""

    vgg: float = 0.05
    clip: float = 1.0  # L_CLIP, or the prototype-render substitute
    reg: float = 0.7
    id: float = 1.0
    sim: float = 1.0  # the colour-histogram term


def _down(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.interpolate(x, size=like.shape[-2:], mode="area")


def mouth_l1(pred: torch.Tensor, target: torch.Tensor, mouth: torch.Tensor) -> torch.Tensor:
    """L_mouth: mean |pred - target| over the mouth region, weighted by ``mouth`` (B, 1, H, W) in [0, 1], resized
    to ``pred``'s size; 0 for rows without a mouth region (data built before it was stored)."""
    m = torch.nn.functional.interpolate(mouth, size=pred.shape[-2:], mode="area")
    t = torch.nn.functional.interpolate(target, size=pred.shape[-2:], mode="area") \
        if target.shape[-2:] != pred.shape[-2:] else target
    err = ((pred - t).abs().mean(1, keepdim=True) * m).sum((1, 2, 3))
    return (err / m.sum((1, 2, 3)).clamp_min(1.0)).mean()


def motion_difference_l1(pred: torch.Tensor, target: torch.Tensor, mouth: torch.Tensor, same_view: torch.Tensor
                         ) -> torch.Tensor:
    """L_diff: rows 2k and 2k+1 are a pair; where ``same_view`` (B,) is 1 for the pair (same identity image,
    same camera, two motion codes), the mean |(pred_2k+1 - pred_2k) - (target_2k+1 - target_2k)| over the
    union of the two rows' mouth regions ``mouth`` (B, 1, H, W) in [0, 1], resized to ``pred``'s size. Averaged
    over those pairs; 0 when none is."""
    m = torch.nn.functional.interpolate(mouth, size=pred.shape[-2:], mode="area")
    t = torch.nn.functional.interpolate(target, size=pred.shape[-2:], mode="area") \
        if target.shape[-2:] != pred.shape[-2:] else target
    d_pred, d_tgt = pred[1::2] - pred[0::2], t[1::2] - t[0::2]
    m = torch.maximum(m[1::2], m[0::2])
    err = ((d_pred - d_tgt).abs().mean(1, keepdim=True) * m).sum((1, 2, 3)) / m.sum((1, 2, 3)).clamp_min(1.0)
    pairs = (same_view[1::2] * same_view[0::2]).to(err.dtype)
    return (err * pairs).sum() / pairs.sum().clamp_min(1.0)


def portrait_stage(model, batch: dict, perceptual, identity, weights: PortraitLossWeights = PortraitLossWeights(),
                   jitter: bool = True) -> dict[str, torch.Tensor]:
    """Stage 2, the cross-contrastive reconstruction: each batch row pairs a source and a driving frame of one
    subject (``batch["pair"]``: rows 2k and 2k+1); both take the identity code of the source image, each its
    own motion code and camera: L_s + L_d of eq. (2). Targets are premultiplied by the head mask."""
    from tritalk.neural.generator import TriplaneGenerator  # noqa: F401  (the model type this expects)

    out = model(batch["ref"], batch["windows"], batch["emotion"], batch["world2cam"], batch["focal"], jitter=jitter)
    target = batch["image"] * batch["mask"]
    pixel = (torch.nn.functional.l1_loss(out.rgb, target) + torch.nn.functional.l1_loss(out.alpha, batch["mask"])
             + torch.nn.functional.l1_loss(out.raw_rgb, _down(target, out.raw_rgb))
             + torch.nn.functional.l1_loss(out.raw_alpha, _down(batch["mask"], out.raw_alpha)))
    g = getattr(model, "module", model)
    reg = ((out.w - g.identity_encoder.w_avg) ** 2).mean() + (out.z_m ** 2).mean()
    terms = {"vgg": weights.vgg * perceptual(out.rgb, target), "pixel": weights.pixel * pixel,
             "reg": weights.reg * reg, "id": weights.id * identity(out.rgb, target)}
    if weights.mouth > 0 and "mouth" in batch:
        terms["mouth"] = weights.mouth * (mouth_l1(out.rgb, target, batch["mouth"])
                                          + mouth_l1(out.raw_rgb, target, batch["mouth"]))
    if weights.motion_diff > 0 and "mouth" in batch and "same_view" in batch:
        terms["motion_diff"] = weights.motion_diff * (
            motion_difference_l1(out.rgb, target, batch["mouth"], batch["same_view"])
            + motion_difference_l1(out.raw_rgb, target, batch["mouth"], batch["same_view"]))
    return terms


def emotion_stage(model, batch: dict, perceptual, identity, clip=None,
                  weights: EmotionLossWeights = EmotionLossWeights(), jitter: bool = True) -> dict[str, torch.Tensor]:
    """Stage 3, M_e alone (everything else frozen): for each row a random non-neutral emotion at full weight;
    I^origin renders the neutral code, I^e the emotion-mapped one, same motion and camera (eq. 3).
    ``clip`` = a ClipEmotionLoss, or None for the prototype-render substitute: L1 between I^e and the
    generator's render of the emotion's FACS prototype added to the frame's expression (through E_m)."""
    from tritalk.motion.emotion_prototypes import prototype
    from tritalk.types import EMOTIONS

    g = getattr(model, "module", model)
    b = batch["ref"].shape[0]
    e = torch.randint(1, len(EMOTIONS), (b,), generator=batch.get("generator"))
    onehot = torch.nn.functional.one_hot(e, len(EMOTIONS)).to(batch["ref"].dtype)
    neutral = torch.nn.functional.one_hot(torch.zeros_like(e), len(EMOTIONS)).to(batch["ref"].dtype)
    with torch.no_grad():
        w = g.identity_encoder(batch["ref"])
        z_m = g.motion_encoder(batch["windows"])
        origin, _, _, _ = g.render(w, z_m, batch["world2cam"], batch["focal"], jitter=False)
    w_e = g.emotion_mapper(w, onehot)
    image, _, _, _ = g.render(w_e, z_m, batch["world2cam"], batch["focal"], jitter=jitter)
    if clip is not None:
        emo = clip(image, e)
    else:
        protos = torch.tensor(np.stack([prototype(n) for n in EMOTIONS]), dtype=batch["windows"].dtype)
        with torch.no_grad():
            shown = (batch["windows"] + protos[e][:, None]).clamp(0, 1)
            target, _, _, _ = g.render(g.emotion_mapper(w, neutral), g.motion_encoder(shown), batch["world2cam"],
                                       batch["focal"], jitter=False)
        emo = torch.nn.functional.l1_loss(image, target)
    from tritalk.neural.losses import histogram_loss

    return {"vgg": weights.vgg * perceptual(image, origin), "clip": weights.clip * emo,
            "reg": weights.reg * ((w_e - w) ** 2).mean(), "id": weights.id * identity(image, origin),
            "sim": weights.sim * histogram_loss(image, origin)}
