"""R, the super-resolution module (Sec. III-B, EG3D's superresolution.py in spirit).

The volume renderer's low-resolution feature image (premultiplied; channels 0-2 are RGB) is upsampled
bilinearly to R's first size and refined by style-modulated 3x3 convolutions that predict a residual
on the upsampled RGB. Each of ``n_up`` upsampling blocks after that doubles the size (bilinear) and adds one
more modulated 3x3 convolution and its own RGB residual (EG3D's SR blocks); the residual starts at zero, so
a generator with one more block starts as the same picture, upsampled, and the weights of a generator with
one block fewer load into it unchanged (``tiny128`` from ``tiny``). Opacity is upsampled, not predicted: R
sharpens colour, the geometry stays the volume's (so the head's silhouette stays consistent across views).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from tritalk.neural.triplane import ModulatedConv2d


class UpBlock(nn.Module):
    """x2 bilinear, one modulated 3x3 convolution, an RGB residual (zero at the start)."""

    def __init__(self, channels: int, w_dim: int):
        super().__init__()
        self.conv = ModulatedConv2d(channels, channels, 3, w_dim)
        self.to_rgb = ModulatedConv2d(channels, 3, 1, w_dim, demodulate=False)
        nn.init.zeros_(self.to_rgb.weight)

    def forward(self, x: torch.Tensor, rgb: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        rgb = F.interpolate(rgb, scale_factor=2, mode="bilinear", align_corners=False)
        x = F.leaky_relu(self.conv(x, w), 0.2)
        return x, rgb + self.to_rgb(x, w)


class SuperResolution(nn.Module):
    """R: (features (B, F, r, r), alpha (B, 1, r, r), w (B, W)) -> rgb (B, 3, S, S), alpha (B, 1, S, S)."""

    def __init__(self, feature_dim: int, channels: int, w_dim: int, out_res: int, n_layers: int = 2,
                 n_up: int = 0):
        super().__init__()
        if n_up < 0 or out_res % (2 ** n_up):
            raise ValueError(f"R's output size {out_res} must be divisible by 2^{n_up} (its upsampling blocks)")
        self.inp = ModulatedConv2d(feature_dim + 1, channels, 3, w_dim)
        self.layers = nn.ModuleList([ModulatedConv2d(channels, channels, 3, w_dim) for _ in range(n_layers - 1)])
        self.to_rgb = ModulatedConv2d(channels, 3, 1, w_dim, demodulate=False)
        nn.init.zeros_(self.to_rgb.weight)  # starts as plain bilinear upsampling
        self.ups = nn.ModuleList([UpBlock(channels, w_dim) for _ in range(n_up)])
        self.out_res = out_res

    def forward(self, features: torch.Tensor, alpha: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        base = self.out_res // 2 ** len(self.ups)
        f = F.interpolate(features, size=(base, base), mode="bilinear", align_corners=False)
        a = F.interpolate(alpha, size=(base, base), mode="bilinear", align_corners=False).clamp(0, 1)
        x = F.leaky_relu(self.inp(torch.cat([f, a], 1), w), 0.2)
        for layer in self.layers:
            x = F.leaky_relu(layer(x, w), 0.2)
        rgb = f[:, :3] + self.to_rgb(x, w)  # premultiplied, like the volume's features
        for up in self.ups:
            x, rgb = up(x, rgb, w)
        if self.ups:  # opacity straight from the volume's, to the output size
            a = F.interpolate(alpha, size=(self.out_res, self.out_res), mode="bilinear",
                              align_corners=False).clamp(0, 1)
        return rgb.clamp(0, 1), a
