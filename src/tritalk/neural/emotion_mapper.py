"""M_e (Sec. III-B2): emotion-aware mapping of the identity code, M_e(w | e) -> w^e.

One multi-level mapping per MEAD emotion adjusts each channel of w_id; the outputs are summed with the
emotion's weights (``EmotionSpec.weights()`` / an ``EmotionTimeline`` track row, 8 numbers summing to 1),
so intensity, timelines and text mixtures act as they do on the mesh engine:

    w^e = w + Σ_k ω_k Δ_k(w),    Δ_neutral ≡ 0

The neutral branch is the identity by construction, so intensity 0 returns the photo's own code
exactly, and the other branches start at zero (their last layer is zero-initialised): before stage 3,
M_e changes nothing.
"""

from __future__ import annotations

import torch
from torch import nn

from tritalk.types import EMOTIONS


class EmotionMapper(nn.Module):
    """M_e: (w (B, W), weights (B, 8)) -> (B, W)."""

    def __init__(self, w_dim: int, hidden: int, levels: int = 2):
        super().__init__()

        def branch() -> nn.Sequential:
            layers: list[nn.Module] = []
            dim = w_dim
            for _ in range(levels - 1):
                layers += [nn.Linear(dim, hidden), nn.LeakyReLU(0.2)]
                dim = hidden
            last = nn.Linear(dim, w_dim)
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)
            return nn.Sequential(*layers, last)

        self.branches = nn.ModuleList([branch() for _ in EMOTIONS[1:]])  # neutral has none

    def forward(self, w: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        if weights.shape[-1] != len(EMOTIONS):
            raise ValueError(f"M_e expects emotion weights (B, {len(EMOTIONS)}), got {tuple(weights.shape)}")
        deltas = torch.stack([b(w) for b in self.branches], 1)  # (B, 7, W)
        return w + (weights[:, 1:, None] * deltas).sum(1)
