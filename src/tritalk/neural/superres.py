"""R, the super-resolution module (Sec. III-B, EG3D's superresolution.py in spirit).

The volume renderer's low-resolution feature image (premultiplied; channels 0-2 are RGB) is upsampled
bilinearly to the output size and refined by style-modulated 3x3 convolutions that predict a residual
on the upsampled RGB. Opacity is upsampled, not predicted: R sharpens colour, the geometry stays the
volume's (so the head's silhouette stays consistent across views).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from tritalk.neural.triplane import ModulatedConv2d


class SuperResolution(nn.Module):
    """R: (features (B, F, r, r), alpha (B, 1, r, r), w (B, W)) -> rgb (B, 3, S, S), alpha (B, 1, S, S)."""

    def __init__(self, feature_dim: int, channels: int, w_dim: int, out_res: int, n_layers: int = 2):
        super().__init__()
        self.inp = ModulatedConv2d(feature_dim + 1, channels, 3, w_dim)
        self.layers = nn.ModuleList([ModulatedConv2d(channels, channels, 3, w_dim) for _ in range(n_layers - 1)])
        self.to_rgb = ModulatedConv2d(channels, 3, 1, w_dim, demodulate=False)
        nn.init.zeros_(self.to_rgb.weight)  # starts as plain bilinear upsampling
        self.out_res = out_res

    def forward(self, features: torch.Tensor, alpha: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        size = (self.out_res, self.out_res)
        f = F.interpolate(features, size=size, mode="bilinear", align_corners=False)
        a = F.interpolate(alpha, size=size, mode="bilinear", align_corners=False).clamp(0, 1)
        x = F.leaky_relu(self.inp(torch.cat([f, a], 1), w), 0.2)
        for layer in self.layers:
            x = F.leaky_relu(layer(x, w), 0.2)
        rgb = f[:, :3] + self.to_rgb(x, w)  # premultiplied, like the volume's features
        return rgb.clamp(0, 1), a
