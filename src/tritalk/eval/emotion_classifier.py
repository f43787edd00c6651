"""Emotion accuracy (the paper's Table IV) by an image emotion classifier trained on MEAD, from local weights only.

    net = load_emotion_classifier("weights/emotion_mead.pth")
    emotion_accuracy(net, frames, "happy")      # 1.0 if the clip's mean class probability peaks at "happy", else 0.0

No MEAD emotion classifier is published in a standard format, so tritalk fixes one that any trainer can write:
  file     ``emotion_mead.pth``: ``torch.save({"state_dict": sd, "classes": [...]})`` or the bare state dict ``sd``,
           where ``sd`` is a torchvision-layout ResNet (``conv1``, ``bn1``, ``layer1.0.conv1`` ..., BasicBlocks,
           ``fc``; ResNet-18 has 2 blocks per stage, the block counts are read from the keys) whose ``fc`` has one
           output per class; ``classes`` names them (MEAD's: neutral, angry, contempt, disgusted, fearful, happy,
           sad, surprised); without it, tritalk's ``EMOTIONS`` order is assumed (fc must then have 8 outputs)
  input    each frame (the protocol's face crop) resized to 224 x 224, RGB in [0, 1], ImageNet mean / std
  accuracy a clip counts as the argmax of its frames' mean softmax; its score is 1 when that is the emotion the
           system was asked for, else 0; the mean over clips is the accuracy
Nothing is downloaded; tests/eval/test_learned_networks.py loads a random checkpoint of the same format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tritalk.errors import WeightsError
from tritalk.io.checkpoint import load_torch_file
from tritalk.types import EMOTIONS

SIZE = 224
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)  # ImageNet
WIDTHS = (64, 128, 256, 512)


def build_resnet(blocks: tuple[int, int, int, int] = (2, 2, 2, 2), classes: int = len(EMOTIONS)):
    """torchvision's ResNet with BasicBlocks (ResNet-18 by default), same state-dict key names."""
    import torch.nn as nn

    class BasicBlock(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                               if stride != 1 or cin != cout else None)

        def forward(self, x):
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            return self.relu(out + (self.downsample(x) if self.downsample is not None else x))

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            cin = 64
            for k, (n, w) in enumerate(zip(blocks, WIDTHS)):
                stride = 1 if k == 0 else 2
                setattr(self, f"layer{k + 1}", nn.Sequential(*[BasicBlock(cin if i == 0 else w, w, stride if i == 0 else 1)
                                                              for i in range(n)]))
                cin = w
            self.fc = nn.Linear(512, classes)

        def forward(self, x):  # (B, 3, 224, 224) normalised -> (B, classes) logits
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(x.mean(dim=(2, 3)))

    return ResNet()


@dataclass
class EmotionClassifier:
    net: object  # the ResNet, eval mode
    classes: tuple[str, ...]  # its outputs' names, in order


def load_emotion_classifier(path: str | Path) -> EmotionClassifier:
    """The classifier in ``path`` (format in the module docstring)."""
    path = Path(path)
    d = load_torch_file(path, f"emotion classifier weights not found at '{path}'; put emotion_mead.pth there "
                        "(--weights DIR)", "a torch checkpoint")
    if not isinstance(d, dict):
        raise WeightsError(f"'{path}' holds no state dict; save {{'state_dict': ..., 'classes': [...]}}")
    state = d.get("state_dict", d)
    classes = tuple(d.get("classes", EMOTIONS))
    if not isinstance(state, dict) or "fc.weight" not in state:
        raise WeightsError(f"the weights in '{path}' are not a torchvision-layout ResNet (no fc.weight)")
    state = {k.removeprefix("module."): v for k, v in state.items()}
    if state["fc.weight"].shape[0] != len(classes):
        raise WeightsError(f"the classifier in '{path}' has {state['fc.weight'].shape[0]} outputs but "
                           f"{len(classes)} class names; save its 'classes' with it")
    unknown = [c for c in classes if c not in EMOTIONS]
    if unknown:
        raise WeightsError(f"the classifier in '{path}' names classes tritalk does not know ({', '.join(unknown)}); "
                           f"use MEAD's: {', '.join(EMOTIONS)}")
    blocks = tuple(1 + max((int(m.group(1)) for k in state if (m := re.match(rf"layer{s}\.(\d+)\.", k))), default=-1)
                   for s in range(1, 5))
    if min(blocks) < 1:
        raise WeightsError(f"the weights in '{path}' are not a torchvision-layout ResNet (stages {blocks})")
    net = build_resnet(blocks, classes=len(classes))
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise WeightsError(f"the weights in '{path}' do not match a BasicBlock ResNet with {blocks} blocks "
                           f"({' '.join(str(e).split())[:200]})") from None
    return EmotionClassifier(net.eval(), classes)


def emotion_probabilities(clf: EmotionClassifier, frames: np.ndarray, batch: int = 16) -> dict[str, float]:
    """{class: mean softmax probability over the (T, H, W, 3) uint8 RGB frames}."""
    import cv2
    import torch

    mean, std = np.array(MEAN, np.float32), np.array(STD, np.float32)
    probs = []
    with torch.no_grad():
        for i in range(0, len(frames), batch):
            x = np.stack([cv2.resize(f, (SIZE, SIZE), interpolation=cv2.INTER_AREA) for f in frames[i:i + batch]])
            x = torch.from_numpy((x.astype(np.float32) / 255.0 - mean) / std).permute(0, 3, 1, 2)
            probs.append(torch.softmax(clf.net(x), dim=1).numpy())
    p = np.concatenate(probs).mean(0) if probs else np.full(len(clf.classes), np.nan)
    return {c: float(v) for c, v in zip(clf.classes, p)}


def emotion_accuracy(clf: EmotionClassifier, frames: np.ndarray, emotion: str) -> float:
    """1.0 when the clip's (T, H, W, 3) mean class probability peaks at ``emotion`` (the one the system was
    driven with), else 0.0; NaN when the classifier has no such class or there are no frames."""
    if emotion not in clf.classes or not len(frames):
        return float("nan")
    p = emotion_probabilities(clf, frames)
    return float(max(p, key=p.get) == emotion)
