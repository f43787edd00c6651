"""E_m (Sec. III-B1): expression window (B, 11, 52) -> motion code z_m (B, Z).

1D convolutions over the δ_m = 11 frames of ARKit coefficients centred on the frame (temporal context
keeps the code smooth), then residual MLP blocks, as the paper describes. The window is built by
``expression_windows`` (edges repeat the first / last frame).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from tritalk.types import N_EXPR

WINDOW = 11  # δ_m


def expression_windows(expr: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """(T, 52) -> (T, window, 52): each frame with its neighbours, edges repeated."""
    half = window // 2
    padded = np.concatenate([np.repeat(expr[:1], half, 0), expr, np.repeat(expr[-1:], half, 0)])
    idx = np.arange(len(expr))[:, None] + np.arange(window)[None]
    return padded[idx].astype(np.float32)


class ResidualBlock(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.net = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.LeakyReLU(0.2), nn.Linear(dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.net(x)


class MotionEncoder(nn.Module):
    """E_m: (B, window, 52) ARKit coefficients -> (B, z_dim)."""

    def __init__(self, z_dim: int, channels: int, n_res: int, window: int = WINDOW):
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv1d(N_EXPR, channels, 3, padding=1), nn.LeakyReLU(0.2),
            nn.Conv1d(channels, channels, 3, padding=1, stride=2), nn.LeakyReLU(0.2))
        n_out = (window + 1) // 2
        self.flat = nn.Linear(channels * n_out, z_dim)
        self.res = nn.Sequential(*[ResidualBlock(z_dim) for _ in range(n_res)])
        self.window = window

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        if windows.shape[1:] != (self.window, N_EXPR):
            raise ValueError(f"E_m expects (B, {self.window}, {N_EXPR}), got {tuple(windows.shape)}")
        x = self.convs(windows.transpose(1, 2))
        return self.res(self.flat(x.flatten(1)))
