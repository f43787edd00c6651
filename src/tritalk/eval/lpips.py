"""LPIPS v0.1 (Zhang et al., CVPR 2018) with the AlexNet backbone, from local weights only.

    net = load_lpips("weights/")          # alexnet.pth (torchvision's AlexNet state dict) + lpips_alex.pth
    lpips_distance(net, real, fake)       # (H, W, 3) uint8 pairs -> mean over frames

As the ``lpips`` package computes it (``LPIPS(net='alex', version='0.1')``): images scaled to [-1, 1], then
shifted / scaled per channel (the ScalingLayer); AlexNet's five ReLU outputs; each unit-normalised over
channels; squared difference; a learned 1x1 weighting per layer (``lin0..lin4``, no bias); spatial mean;
sum over layers. ``lpips_alex.pth`` is the lpips package's ``weights/v0.1/alex.pth`` (keys
``lin{k}.model.1.weight``); ``alexnet.pth`` is torchvision's ImageNet AlexNet (keys ``features.{i}.*``;
the classifier's keys are ignored). Nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tritalk.errors import WeightsError
from tritalk.io.checkpoint import load_torch_file

SHIFT = (-0.030, -0.088, -0.188)  # lpips ScalingLayer
SCALE = (0.458, 0.448, 0.450)
CHANNELS = (64, 192, 384, 256, 256)
TAPS = (1, 4, 7, 9, 11)  # indices of the ReLUs in AlexNet.features whose outputs are compared
BACKBONE, HEAD = "alexnet.pth", "lpips_alex.pth"


def build_lpips():
    import torch
    import torch.nn as nn

    class LPIPS(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(  # torchvision's AlexNet.features, same indices
                nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(), nn.MaxPool2d(3, 2),
                nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
                nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(), nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
                nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2))
            for k, c in enumerate(CHANNELS):  # lin{k}.model.1: Dropout at .0, the 1x1 conv at .1
                setattr(self, f"lin{k}", nn.Module())
                getattr(self, f"lin{k}").model = nn.Sequential(nn.Dropout(), nn.Conv2d(c, 1, 1, bias=False))
            self.register_buffer("shift", torch.tensor(SHIFT).view(1, 3, 1, 1))
            self.register_buffer("scale", torch.tensor(SCALE).view(1, 3, 1, 1))

        def taps(self, x):
            x = (x - self.shift) / self.scale
            out = []
            for i, layer in enumerate(self.features):
                x = layer(x)
                if i in TAPS:
                    out.append(x / (x.pow(2).sum(dim=1, keepdim=True).sqrt() + 1e-10))
                if i == TAPS[-1]:
                    break
            return out

        def forward(self, a, b):  # (B, 3, H, W) in [-1, 1] -> (B,)
            return sum(getattr(self, f"lin{k}").model((fa - fb) ** 2).mean(dim=(2, 3))[:, 0]
                       for k, (fa, fb) in enumerate(zip(self.taps(a), self.taps(b))))

    return LPIPS()


def load_lpips(folder: str | Path):
    """LPIPS-Alex with the weights in ``folder`` (alexnet.pth + lpips_alex.pth)."""
    folder = Path(folder)
    net = build_lpips()
    state = {}
    for name, keep in ((BACKBONE, "features."), (HEAD, "lin")):
        path = folder / name
        d = load_torch_file(path, f"LPIPS weights not found at '{path}'; put {name} there (--weights DIR)")
        state.update({k: v for k, v in d.items() if k.startswith(keep)} if isinstance(d, dict) else {})
    try:
        net.load_state_dict(state, strict=False)
        missing = [k for k in net.state_dict() if k not in state and k not in ("shift", "scale")]
        if missing:
            raise RuntimeError(f"missing {', '.join(missing[:3])}")
    except RuntimeError as e:
        raise WeightsError(f"the LPIPS weights in '{folder}' do not match AlexNet + lpips v0.1 "
                           f"({' '.join(str(e).split())[:200]})") from None
    return net.eval()


def lpips_distance(net, real: np.ndarray, fake: np.ndarray, batch: int = 16) -> float:
    """Mean LPIPS over frames of (T, H, W, 3) uint8 real and generated frames (lower = more alike)."""
    import torch

    n = min(len(real), len(fake))
    vals = []
    with torch.no_grad():
        for i in range(0, n, batch):
            a = torch.from_numpy(real[i:i + batch].astype(np.float32) / 127.5 - 1).permute(0, 3, 1, 2)
            b = torch.from_numpy(fake[i:i + batch].astype(np.float32) / 127.5 - 1).permute(0, 3, 1, 2)
            vals.append(net(a, b))
    return float(torch.cat(vals).mean()) if vals else float("nan")
