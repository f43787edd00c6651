"""ArcFace's iResNet backbone (Deng et al., CVPR 2019; insightface ``arcface_torch/backbones/iresnet.py``),
one copy for the two places that load ArcFace weights: the identity loss L_ID (neural/losses.py) and the CSIM
metric (eval/arcface.py).

    net = IResNet.from_state(state_dict, source="backbone.pth")   # the depth and widths read from the keys
    emb = net(x)                                                   # x (B, 3, 112, 112) in [-1, 1] -> (B, 512)

Layout (the published key names): conv1 - bn1 - prelu, four stages ``layer1..4`` of IBasicBlocks
(BN - conv3x3 - BN - PReLU - conv3x3(stride) - BN, plus the shortcut; the first block of each stage halves the
resolution), bn2, flatten, fc, BN1d ``features``. r18 / r34 / r50 / r100 differ only in the blocks per stage.
"""

from __future__ import annotations

import re

import torch
from torch import nn

from tritalk.errors import WeightsError


class IBasicBlock(nn.Module):
    """insightface iresnet's block: BN - conv - BN - PReLU - conv(stride) - BN, plus the shortcut."""

    def __init__(self, inplanes: int, planes: int, stride: int, downsample: nn.Module | None):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes, eps=1e-5)
        self.conv1 = nn.Conv2d(inplanes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes, eps=1e-5)
        self.prelu = nn.PReLU(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes, eps=1e-5)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
        return out + (self.downsample(x) if self.downsample is not None else x)


class IResNet(nn.Module):
    """``layers`` blocks per stage; ``widths`` = (stem, stage 1..4) channels; 112 x 112 aligned face in [-1, 1]
    -> ``embedding`` features (``fc_hw`` = the last stage's side, 7 for 112 px)."""

    def __init__(self, layers: tuple[int, int, int, int] = (3, 13, 30, 3),
                 widths: tuple[int, ...] = (64, 64, 128, 256, 512), embedding: int = 512, fc_hw: int = 7):
        super().__init__()
        w0 = widths[0]
        self.conv1 = nn.Conv2d(3, w0, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(w0, eps=1e-5)
        self.prelu = nn.PReLU(w0)
        inplanes = w0
        for i, (n, planes) in enumerate(zip(layers, widths[1:])):
            down = nn.Sequential(nn.Conv2d(inplanes, planes, 1, 2, bias=False), nn.BatchNorm2d(planes, eps=1e-5))
            blocks = [IBasicBlock(inplanes, planes, 2, down)] + [IBasicBlock(planes, planes, 1, None)
                                                                 for _ in range(n - 1)]
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
            inplanes = planes
        self.bn2 = nn.BatchNorm2d(inplanes, eps=1e-5)
        self.fc = nn.Linear(inplanes * fc_hw * fc_hw, embedding)
        self.features = nn.BatchNorm1d(embedding, eps=1e-5)

    @classmethod
    def from_state(cls, state: dict, source: str) -> "IResNet":
        """The network a state dict holds (a DataParallel ``module.`` prefix is dropped), in eval mode;
        a one-line WeightsError naming ``source`` when it is not an iresnet or does not fit one."""
        if not isinstance(state, dict):
            raise WeightsError(f"'{source}' is not a torch state dict; give arcface_torch's backbone.pth")
        state = {k.removeprefix("module."): v for k, v in state.items()}
        try:
            layers = tuple(1 + max(int(m.group(1)) for k in state if (m := re.match(rf"layer{s}\.(\d+)\.", k)))
                           for s in range(1, 5))
            widths = (state["conv1.weight"].shape[0],) + tuple(state[f"layer{s}.0.conv1.weight"].shape[0]
                                                               for s in range(1, 5))
            embedding, flat = state["fc.weight"].shape
            fc_hw = int(round((flat / widths[-1]) ** 0.5))
        except (KeyError, ValueError, IndexError) as e:
            raise WeightsError(f"'{source}' is not an insightface iresnet state dict (missing or malformed {e}); "
                               "give arcface_torch's backbone.pth") from None
        model = cls(layers, widths, embedding, fc_hw)
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError as e:
            raise WeightsError(f"'{source}' does not match an iresnet with {layers} blocks "
                               f"({' '.join(str(e).split())[:200]})") from None
        return model.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.prelu(self.bn1(self.conv1(x)))
        for i in range(1, 5):
            x = getattr(self, f"layer{i}")(x)
        return self.features(self.fc(self.bn2(x).flatten(1)))
