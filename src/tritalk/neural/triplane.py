"""G, the tri-plane synthesis network (Sec. III-B, PV3D / EG3D backbone): (w_id, z_m) -> three feature planes.

A learned constant (C, 4, 4) is upsampled x2 per block to the plane resolution by StyleGAN2 modulated
convolutions; every block's style is an affine map of [w_id, z_m], so identity and motion both steer
every scale. The last layer (a modulated 1x1 convolution) emits 3 * plane_channels maps, reshaped to
the xy, xz and zy planes (volume.sample_from_planes reads them in that order).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class ModulatedConv2d(nn.Module):
    """StyleGAN2's modulated convolution: the style scales the input channels of the kernel, then each
    output channel is demodulated to unit norm (no per-sample normalisation layers needed)."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, style_dim: int, demodulate: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, kernel, kernel) / math.sqrt(in_ch * kernel * kernel))
        self.bias = nn.Parameter(torch.zeros(out_ch))
        self.affine = nn.Linear(style_dim, in_ch)
        nn.init.normal_(self.affine.weight, std=1.0 / math.sqrt(style_dim))  # every style steers from the start
        nn.init.ones_(self.affine.bias)  # StyleGAN2: scales around 1
        self.demodulate, self.padding = demodulate, kernel // 2

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """x (B, I, H, W), style (B, S) -> (B, O, H, W)."""
        b, i, h, w = x.shape
        wgt = self.weight[None] * self.affine(style)[:, None, :, None, None]  # (B, O, I, k, k)
        if self.demodulate:
            wgt = wgt * torch.rsqrt(wgt.pow(2).sum((2, 3, 4), keepdim=True) + 1e-8)
        out = F.conv2d(x.reshape(1, b * i, h, w), wgt.reshape(-1, i, *wgt.shape[-2:]), padding=self.padding, groups=b)
        return out.reshape(b, -1, h, w) + self.bias.view(1, -1, 1, 1)


class TriplaneSynthesis(nn.Module):
    """G: (w_id (B, W), z_m (B, Z)) -> planes (B, 3, C, R, R)."""

    def __init__(self, w_dim: int, z_dim: int, channels: int, plane_res: int, plane_channels: int):
        super().__init__()
        n_up = int(round(math.log2(plane_res / 4)))
        if 4 * 2 ** n_up != plane_res:
            raise ValueError(f"plane resolution {plane_res} must be 4 * 2^k")
        style = w_dim + z_dim
        self.const = nn.Parameter(torch.randn(channels, 4, 4))
        self.stem = ModulatedConv2d(channels, channels, 3, style)
        self.blocks = nn.ModuleList([nn.ModuleList([ModulatedConv2d(channels, channels, 3, style),
                                                    ModulatedConv2d(channels, channels, 3, style)])
                                     for _ in range(n_up)])
        self.to_planes = ModulatedConv2d(channels, 3 * plane_channels, 1, style, demodulate=False)
        self.plane_channels = plane_channels

    def forward(self, w_id: torch.Tensor, z_m: torch.Tensor) -> torch.Tensor:
        style = torch.cat([w_id, z_m], -1)
        x = F.leaky_relu(self.stem(self.const[None].expand(style.shape[0], -1, -1, -1), style), 0.2)
        for conv_a, conv_b in self.blocks:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = F.leaky_relu(conv_a(x, style), 0.2)
            x = F.leaky_relu(conv_b(x, style), 0.2)
        planes = self.to_planes(x, style)
        return planes.reshape(planes.shape[0], 3, self.plane_channels, *planes.shape[-2:])
