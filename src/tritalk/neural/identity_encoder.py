"""E_id (Sec. III-B2): reference image (B, 3, H, W) in [0, 1] -> identity code w_id (B, W).

A feature pyramid network gives three hierarchical levels (strides 4, 8, 16; top-down pathway with
lateral 1x1 connections); each level is pooled and the three are mapped to the code by a small
intermediate mapping MLP. The paper adds the generator's average code: E_id(I) + w̄_id. Without a
pretrained generator, w̄_id here is a learned parameter trained with the rest (the code the generator
falls back to for an image the encoder says nothing about).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _down(i: int, o: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(i, o, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
                         nn.Conv2d(o, o, 3, padding=1), nn.LeakyReLU(0.2))


class IdentityEncoder(nn.Module):
    """E_id: image -> w_id = mapping(pyramid(image)) + w̄_id."""

    def __init__(self, w_dim: int, channels: int):
        super().__init__()
        c = channels
        self.stem = _down(3, c)  # /2
        self.c1, self.c2, self.c3 = _down(c, c), _down(c, 2 * c), _down(2 * c, 4 * c)  # /4, /8, /16
        self.lat1, self.lat2, self.lat3 = nn.Conv2d(c, c, 1), nn.Conv2d(2 * c, c, 1), nn.Conv2d(4 * c, c, 1)
        self.mapping = nn.Sequential(nn.Linear(3 * 2 * c, 2 * w_dim), nn.LeakyReLU(0.2), nn.Linear(2 * w_dim, w_dim))
        self.w_avg = nn.Parameter(torch.zeros(w_dim))

    def pyramid(self, image: torch.Tensor) -> list[torch.Tensor]:
        """Three levels (B, C, H/4, W/4), (B, C, H/8, W/8), (B, C, H/16, W/16), coarse context added top-down."""
        x1 = self.c1(self.stem(image * 2 - 1))
        x2 = self.c2(x1)
        x3 = self.c3(x2)
        p3 = self.lat3(x3)
        p2 = self.lat2(x2) + F.interpolate(p3, size=x2.shape[-2:], mode="nearest")
        p1 = self.lat1(x1) + F.interpolate(p2, size=x1.shape[-2:], mode="nearest")
        return [p1, p2, p3]

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        # mean and max pooling per level: where a feature is strong matters as much as how much there is
        pooled = [torch.cat([p.mean((2, 3)), p.amax((2, 3))], 1) for p in self.pyramid(image)]
        return self.mapping(torch.cat(pooled, 1)) + self.w_avg
