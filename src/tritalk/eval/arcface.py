"""CSIM: identity cosine similarity by ArcFace (Deng et al., CVPR 2019), from local weights only.

    net = load_arcface("weights/arcface_r100.pth")       # insightface arcface_torch's backbone state dict
    csim(net, reference, frames, ref_landmarks, landmarks)  # mean cosine of the reference's embedding and each frame's

As insightface's ``arcface_torch`` computes embeddings (``backbones/iresnet.py``, ``eval_ijbc.py``):
  network  iResNet (IBasicBlock: BN-conv3x3-BN-PReLU-conv3x3(stride)-BN + shortcut; 64, 128, 256, 512 channels,
           each stage downsampling by 2), then BN2d, flatten, fc (512*7*7 -> 512), BN1d ``features``; the
           published r100 has (3, 13, 30, 3) blocks per stage. The block counts are read from the state dict, so
           r18 / r34 / r50 / r100 checkpoints all load.
  input    the face aligned by a similarity transform of 5 points (eye centres, nose tip, mouth corners) onto
           ArcFace's 112 x 112 template (insightface ``face_align.arcface_dst``), RGB, (x / 255 - 0.5) / 0.5
  CSIM     cosine similarity of the embeddings of the reference photo and a generated frame, mean over the
           frames where MediaPipe found the face (the paper's Table I/II identity measure)
The 5 points come from MediaPipe's landmarks (face/track.py): iris centres 468 / 473, nose tip 1, mouth corners
61 / 291. Nothing is downloaded; tests/eval/test_learned_networks.py loads a random checkpoint of the same format.
"""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np

from tritalk.errors import WeightsError
from tritalk.io.checkpoint import load_torch_file
from tritalk.eval.landmark_metrics import similarity_align

ARCFACE_TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                             [41.5493, 92.3655], [70.7299, 92.2041]], np.float64)  # insightface arcface_dst (112 px)
FIVE_POINTS = (468, 473, 1, 61, 291)  # MediaPipe: image-left eye (iris centre), image-right eye, nose tip, mouth corners
SIZE = 112
WIDTHS = (64, 128, 256, 512)


def build_iresnet(blocks: tuple[int, int, int, int] = (3, 13, 30, 3), embedding: int = 512):
    """arcface_torch's IResNet with ``blocks`` IBasicBlocks per stage (state-dict key names as published)."""
    import torch
    import torch.nn as nn

    class IBasicBlock(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int):
            super().__init__()
            self.bn1 = nn.BatchNorm2d(cin, eps=1e-5)
            self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout, eps=1e-5)
            self.prelu = nn.PReLU(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, stride, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(cout, eps=1e-5)
            self.downsample = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout, eps=1e-5))
                               if stride != 1 or cin != cout else None)

        def forward(self, x):
            out = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
            return out + (self.downsample(x) if self.downsample is not None else x)

    class IResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(64, eps=1e-5)
            self.prelu = nn.PReLU(64)
            cin = 64
            for k, (n, w) in enumerate(zip(blocks, WIDTHS)):
                setattr(self, f"layer{k + 1}", nn.Sequential(*[IBasicBlock(cin if i == 0 else w, w, 2 if i == 0 else 1)
                                                              for i in range(n)]))
                cin = w
            self.bn2 = nn.BatchNorm2d(512, eps=1e-5)
            self.fc = nn.Linear(512 * 7 * 7, embedding)
            self.features = nn.BatchNorm1d(embedding, eps=1e-5)

        def forward(self, x):  # (B, 3, 112, 112) in [-1, 1] -> (B, embedding)
            x = self.prelu(self.bn1(self.conv1(x)))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.features(self.fc(torch.flatten(self.bn2(x), 1)))

    return IResNet()


def load_arcface(path: str | Path):
    """The ArcFace backbone in ``path`` (a torch state dict as arcface_torch saves ``backbone.pth``), eval mode."""
    path = Path(path)
    state = load_torch_file(path, f"ArcFace weights not found at '{path}'; put arcface_r100.pth there (--weights DIR)")
    if not isinstance(state, dict):
        raise WeightsError(f"'{path}' is not a torch state dict; give arcface_torch's backbone.pth")
    state = {k.removeprefix("module."): v for k, v in state.items()}  # saved from DataParallel
    blocks = tuple(1 + max((int(m.group(1)) for k in state if (m := re.match(rf"layer{s}\.(\d+)\.", k))), default=-1)
                   for s in range(1, 5))
    if min(blocks) < 1 or "fc.weight" not in state:
        raise WeightsError(f"the weights in '{path}' are not an arcface_torch iResNet (stages {blocks}, "
                           f"fc {'found' if 'fc.weight' in state else 'missing'})")
    net = build_iresnet(blocks, embedding=state["fc.weight"].shape[0])
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise WeightsError(f"the weights in '{path}' do not match an iResNet with {blocks} blocks "
                           f"({' '.join(str(e).split())[:200]})") from None
    return net.eval()


def align_face(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray | None:
    """(112, 112, 3) uint8: the face of an RGB image aligned on ArcFace's template by its MediaPipe landmarks
    (478, >=2) [px]; None where the landmarks are missing (NaN)."""
    src = np.asarray(landmarks, np.float64)[list(FIVE_POINTS), :2]
    if not np.isfinite(src).all():
        return None
    a, t = similarity_align(src, ARCFACE_TEMPLATE)
    return cv2.warpAffine(image, np.concatenate([a, t[:, None]], 1), (SIZE, SIZE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT)


def embeddings(net, faces: list[np.ndarray], batch: int = 16) -> np.ndarray:
    """(N, D) unit-length embeddings of aligned (112, 112, 3) uint8 RGB faces."""
    import torch

    out = []
    with torch.no_grad():
        for i in range(0, len(faces), batch):
            x = torch.from_numpy(np.stack(faces[i:i + batch]).astype(np.float32) / 127.5 - 1.0).permute(0, 3, 1, 2)
            out.append(torch.nn.functional.normalize(net(x), dim=1).numpy())
    return np.concatenate(out) if out else np.zeros((0, 1), np.float32)


def csim(net, reference: np.ndarray, frames: np.ndarray, ref_landmarks: np.ndarray, landmarks: np.ndarray) -> float:
    """Mean cosine similarity between the reference photo's ArcFace embedding and each frame's (T, H, W, 3),
    over the frames with a face (``landmarks`` (T, 478, >=2), NaN: none); NaN if the reference or every frame
    has none."""
    ref = align_face(reference, ref_landmarks)
    faces = [f for f in (align_face(im, lm) for im, lm in zip(frames, landmarks)) if f is not None]
    if ref is None or not faces:
        return float("nan")
    e = embeddings(net, [ref] + faces)
    return float(np.mean(e[1:] @ e[0]))
