"""Lip reader (Sec. III-C1, after SelfTalk): lip vertices of predicted coefficients -> latent + phoneme logits.

    V_t     = lips(sum_j e_tj B_j)                   (T, 40, 3)  offsets of the 40 MediaPipe lip
                                                                landmarks of the face model
                                                                (face/model.py) from neutral, cm
    S^lat_t = W_lat TCN(V)_t                         (T, D)      compared with the audio latent
    S^txt_t = W_txt TCN(V)_t                         (T, N_TOKENS) viseme-class logits (0 = CTC blank)

Losses (eq. 1): L = L_lat + λ_ctc L_ctc + λ_MSE L_MSE with λ_ctc = 0.1, λ_MSE = 10, where
  L_lat  MSE between the lip reader's latent and the audio latent (the encoder's own features,
         normalised; for wav2vec2 its hidden states, as in the paper);
  L_ctc  CTC between the lip reader's logits and the pseudo-truth phoneme tokens of the audio
         front end (pocketsphinx / espeak-ng phones mapped to viseme classes, audio/phones.py);
  L_MSE  MSE between predicted and measured coefficients.
The lip reader is first trained on measured / synthetic coefficient tracks (``lipreader_losses``),
then frozen while G_m learns through it (``motion_losses``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from tritalk.audio.phones import N_TOKENS
from tritalk.errors import ConfigError
from tritalk.face.model import INNER_LIP_LOWER, INNER_LIP_UPPER, OUTER_LIP_LOWER, OUTER_LIP_UPPER, FaceModel
from tritalk.io.checkpoint import Pretrained
from tritalk.types import N_EXPR

LIP_IDS: tuple[int, ...] = tuple(sorted(set(INNER_LIP_UPPER + INNER_LIP_LOWER + OUTER_LIP_UPPER + OUTER_LIP_LOWER)))


@functools.lru_cache(maxsize=1)
def lip_basis() -> np.ndarray:
    """(52, 40 * 3) float32: vertex offsets [cm] of the lip landmarks per unit coefficient."""
    fm = FaceModel.load()
    return np.ascontiguousarray(fm.expr_basis[:, list(LIP_IDS), :].reshape(N_EXPR, -1), np.float32)


@dataclass(frozen=True)
class MotionLossWeights:
    """Stage-1 weights, eq. (1): L = lat * L_lat + ctc * L_ctc + mse * L_MSE."""

    lat: float = 1.0
    ctc: float = 0.1  # λ_ctc
    mse: float = 10.0  # λ_rec ("λ_MSE" in eq. 1)
    closure: float = 1.0  # BCE of G_m's /p b m/ closure head (closure_head checkpoints; not in the paper)


@dataclass(frozen=True)
class LipReaderConfig:
    latent_dim: int = 56
    """Size of the audio latent it reproduces (= the audio encoder's dim)."""
    d_model: int = 64
    n_layers: int = 3
    kernel: int = 5
    """Temporal convolution width [frames]: 5 frames = 200 ms at 25 Hz, about one syllable."""
    n_tokens: int = N_TOKENS
    dropout: float = 0.1
    vertex_scale: float = 1.0
    """cm per input unit; lips move ~0.1-3 cm."""

    def __post_init__(self):
        if self.kernel % 2 == 0:
            raise ConfigError(f"kernel must be odd, got {self.kernel}")


class LipReader(nn.Module, Pretrained):
    """Lip-reading module: (B, T, 52) ARKit coefficients -> lip vertices -> latent (B, T, D), logits (B, T, C)."""

    Config = LipReaderConfig

    def __init__(self, config: LipReaderConfig):
        super().__init__()
        self.config = c = config
        # Geometry of the shipped face model (a fixed asset, not a trained weight): not saved.
        self.register_buffer("basis", torch.from_numpy(lip_basis()), persistent=False)  # (52, 120)
        self.inp = nn.Linear(len(LIP_IDS) * 3, c.d_model)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Conv1d(c.d_model, c.d_model, c.kernel, padding=c.kernel // 2), nn.GELU(),
                          nn.Dropout(c.dropout)) for _ in range(c.n_layers))
        self.norms = nn.ModuleList(nn.LayerNorm(c.d_model) for _ in range(c.n_layers))
        self.latent = nn.Linear(c.d_model, c.latent_dim)
        self.logits = nn.Linear(c.d_model, c.n_tokens)

    def lip_vertices(self, expr: torch.Tensor) -> torch.Tensor:
        """(B, T, 52) coefficients -> (B, T, 40 * 3) lip landmark offsets from neutral [cm]."""
        return expr @ self.basis

    def forward(self, expr: torch.Tensor) -> dict[str, torch.Tensor]:
        h = self.inp(self.lip_vertices(expr) / self.config.vertex_scale)  # (B, T, d)
        for block, norm in zip(self.blocks, self.norms):
            h = h + block(norm(h).transpose(1, 2)).transpose(1, 2)
        return {"latent": self.latent(h), "logits": self.logits(h)}


def _masked_mse(a: torch.Tensor, b: torch.Tensor, valid: torch.Tensor | None) -> torch.Tensor:
    err = ((a - b) ** 2).mean(dim=-1)  # (B, T)
    if valid is None:
        return err.mean()
    v = valid.to(err.dtype)
    return (err * v).sum() / v.sum().clamp_min(1.0)


def ctc_loss(logits: torch.Tensor, tokens: torch.Tensor, token_lengths: torch.Tensor,
             frame_lengths: torch.Tensor) -> torch.Tensor:
    """CTC of (B, T, C) logits against padded (B, L) token ids (1..C-1; 0 = blank), mean over the batch."""
    log_probs = logits.float().log_softmax(-1).transpose(0, 1)  # (T, B, C)
    return F.ctc_loss(log_probs, tokens, frame_lengths, token_lengths, blank=0, reduction="mean",
                      zero_infinity=True)


def lipreader_losses(reader: LipReader, expr: torch.Tensor, latent: torch.Tensor, tokens: torch.Tensor,
                     token_lengths: torch.Tensor, frames: torch.Tensor, valid: torch.Tensor | None = None
                     ) -> dict[str, torch.Tensor]:
    """Pre-training of the lip reader on truth coefficients ``expr`` (B, T, 52): unweighted L_lat, L_ctc.

    ``frames`` (B, T) bool marks real (unpadded) frames; ``valid`` (B, T) frames whose ``expr`` is truth.
    """
    out = reader(expr)
    mask = frames if valid is None else frames & valid
    return {"lat": _masked_mse(out["latent"], latent, mask),
            "ctc": ctc_loss(out["logits"], tokens, token_lengths, frames.sum(dim=1).long())}


def motion_losses(pred_expr: torch.Tensor, target_expr: torch.Tensor, reader: LipReader, latent: torch.Tensor,
                  tokens: torch.Tensor, token_lengths: torch.Tensor, frames: torch.Tensor, valid: torch.Tensor,
                  weights: MotionLossWeights = MotionLossWeights(),
                  target_weight: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """Eq. (1) for G_m, each term already multiplied by its weight (sum them for the total).

    ``pred_expr``/``target_expr`` (B, T, 52); ``frames`` (B, T) unpadded frames; ``valid`` (B, T)
    frames with coefficient truth; ``target_weight`` (B,) scales L_MSE per sample.
    """
    out = reader(pred_expr)
    err = ((pred_expr - target_expr) ** 2).mean(dim=-1)  # (B, T)
    v = (frames & valid).to(err.dtype)
    norm = v.sum().clamp_min(1.0)
    if target_weight is not None:
        v = v * target_weight[:, None]
    return {"lat": weights.lat * _masked_mse(out["latent"], latent, frames),
            "ctc": weights.ctc * ctc_loss(out["logits"], tokens, token_lengths, frames.sum(dim=1).long()),
            "mse": weights.mse * (err * v).sum() / norm}
