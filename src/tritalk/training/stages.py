"""Training stages of the motion branch (Sec. III-C1), one function each, returning named weighted losses.

  stage "lipreader": the lip reader learns to read truth coefficient tracks (measured on real video,
                     or the calibrated synthetic tracks): L_lat + L_ctc.
  stage "motion":    G_m learns with the lip reader frozen: eq. (1),
                     L = L_lat + λ_ctc L_ctc + λ_MSE L_MSE  (λ_ctc = 0.1, λ_MSE = 10).
"""

from __future__ import annotations

from dataclasses import dataclass

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
