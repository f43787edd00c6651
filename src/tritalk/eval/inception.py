"""FID (Heusel et al., NeurIPS 2017) with pytorch-fid's Inception-v3, from local weights only.

    net = load_fid_inception("weights/pt_inception-2015-12-05.pth")   # pytorch-fid's FID_WEIGHTS_URL file
    fid(net, real_frames, fake_frames)                                # Frechet distance of pool3 features

As pytorch-fid computes it (``pytorch_fid/inception.py`` ``fid_inception_v3`` + ``InceptionV3([3])``,
``fid_score.calculate_frechet_distance``):
  network  torchvision's Inception-v3 layout (1008 classes, no aux head) with the FID variants of the blocks
           that TensorFlow's graph had: average pools that leave the padding out of the count (Mixed_5b-5d,
           Mixed_6b-6e, Mixed_7b) and a max pool in Mixed_7c's pool branch. The state dict's key names are
           torchvision's (``Conv2d_1a_3x3.conv.weight``, ``Mixed_5b.branch1x1.bn.running_mean``, ... ``fc.weight``).
  input    RGB in [0, 1] resized to 299 x 299 (bilinear, align_corners=False), then scaled to [-1, 1]
  features the 2048-d global average pool after Mixed_7c
  FID      |mu_r - mu_f|^2 + Tr(S_r + S_f - 2 sqrt(S_r S_f)) over the two sets of frame features (the matrix
           root's trace computed exactly from the frames, ``frechet_distance``)
Here the two sets are one clip's real and generated frames at the front view (frame 0, the reference, left
out), so a clip's FID rests on ~75 frames and reads higher than a dataset-level FID over thousands: compare
systems with each other on the same clips, not with published numbers. Nothing is downloaded;
tests/eval/test_learned_networks.py loads a random checkpoint of the same format.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tritalk.errors import WeightsError
from tritalk.io.checkpoint import load_torch_file

SIZE = 299
FEATURES = 2048


def build_fid_inception(input_size: int = SIZE):
    """pytorch-fid's FID Inception-v3 (torchvision key names), random weights. ``input_size``: the side frames are
    resized to (299 for FID; the ``input_size`` attribute, which a test may lower to run the same layers faster)."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class BasicConv2d(nn.Module):
        def __init__(self, cin, cout, kernel, stride=1, padding=0):
            super().__init__()
            self.conv = nn.Conv2d(cin, cout, kernel, stride, padding, bias=False)
            self.bn = nn.BatchNorm2d(cout, eps=0.001)

        def forward(self, x):
            return F.relu(self.bn(self.conv(x)))

    def avg(x):  # TF's average pool: the padding is not counted
        return F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)

    class InceptionA(nn.Module):
        def __init__(self, cin, pool):
            super().__init__()
            self.branch1x1 = BasicConv2d(cin, 64, 1)
            self.branch5x5_1, self.branch5x5_2 = BasicConv2d(cin, 48, 1), BasicConv2d(48, 64, 5, padding=2)
            self.branch3x3dbl_1 = BasicConv2d(cin, 64, 1)
            self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
            self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, padding=1)
            self.branch_pool = BasicConv2d(cin, pool, 1)

        def forward(self, x):
            return torch.cat([self.branch1x1(x), self.branch5x5_2(self.branch5x5_1(x)),
                              self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
                              self.branch_pool(avg(x))], 1)

    class InceptionB(nn.Module):
        def __init__(self, cin):
            super().__init__()
            self.branch3x3 = BasicConv2d(cin, 384, 3, stride=2)
            self.branch3x3dbl_1 = BasicConv2d(cin, 64, 1)
            self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
            self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, stride=2)

        def forward(self, x):
            return torch.cat([self.branch3x3(x), self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
                              F.max_pool2d(x, 3, 2)], 1)

    class InceptionC(nn.Module):
        def __init__(self, cin, c7):
            super().__init__()
            self.branch1x1 = BasicConv2d(cin, 192, 1)
            self.branch7x7_1 = BasicConv2d(cin, c7, 1)
            self.branch7x7_2 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
            self.branch7x7_3 = BasicConv2d(c7, 192, (7, 1), padding=(3, 0))
            self.branch7x7dbl_1 = BasicConv2d(cin, c7, 1)
            self.branch7x7dbl_2 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
            self.branch7x7dbl_3 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
            self.branch7x7dbl_4 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
            self.branch7x7dbl_5 = BasicConv2d(c7, 192, (1, 7), padding=(0, 3))
            self.branch_pool = BasicConv2d(cin, 192, 1)

        def forward(self, x):
            b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
            d = x
            for k in range(1, 6):
                d = getattr(self, f"branch7x7dbl_{k}")(d)
            return torch.cat([self.branch1x1(x), b7, d, self.branch_pool(avg(x))], 1)

    class InceptionD(nn.Module):
        def __init__(self, cin):
            super().__init__()
            self.branch3x3_1, self.branch3x3_2 = BasicConv2d(cin, 192, 1), BasicConv2d(192, 320, 3, stride=2)
            self.branch7x7x3_1 = BasicConv2d(cin, 192, 1)
            self.branch7x7x3_2 = BasicConv2d(192, 192, (1, 7), padding=(0, 3))
            self.branch7x7x3_3 = BasicConv2d(192, 192, (7, 1), padding=(3, 0))
            self.branch7x7x3_4 = BasicConv2d(192, 192, 3, stride=2)

        def forward(self, x):
            b7 = x
            for k in range(1, 5):
                b7 = getattr(self, f"branch7x7x3_{k}")(b7)
            return torch.cat([self.branch3x3_2(self.branch3x3_1(x)), b7, F.max_pool2d(x, 3, 2)], 1)

    class InceptionE(nn.Module):
        def __init__(self, cin, max_pool: bool):
            super().__init__()
            self.max_pool = max_pool  # FIDInceptionE_2 (Mixed_7c): a max pool; FIDInceptionE_1: TF's average pool
            self.branch1x1 = BasicConv2d(cin, 320, 1)
            self.branch3x3_1 = BasicConv2d(cin, 384, 1)
            self.branch3x3_2a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
            self.branch3x3_2b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
            self.branch3x3dbl_1 = BasicConv2d(cin, 448, 1)
            self.branch3x3dbl_2 = BasicConv2d(448, 384, 3, padding=1)
            self.branch3x3dbl_3a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
            self.branch3x3dbl_3b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
            self.branch_pool = BasicConv2d(cin, 192, 1)

        def forward(self, x):
            a = self.branch3x3_1(x)
            d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
            pool = F.max_pool2d(x, 3, 1, 1) if self.max_pool else avg(x)
            return torch.cat([self.branch1x1(x), self.branch3x3_2a(a), self.branch3x3_2b(a),
                              self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d), self.branch_pool(pool)], 1)

    class FIDInception(nn.Module):
        def __init__(self):
            super().__init__()
            self.Conv2d_1a_3x3 = BasicConv2d(3, 32, 3, stride=2)
            self.Conv2d_2a_3x3 = BasicConv2d(32, 32, 3)
            self.Conv2d_2b_3x3 = BasicConv2d(32, 64, 3, padding=1)
            self.Conv2d_3b_1x1 = BasicConv2d(64, 80, 1)
            self.Conv2d_4a_3x3 = BasicConv2d(80, 192, 3)
            self.Mixed_5b, self.Mixed_5c, self.Mixed_5d = InceptionA(192, 32), InceptionA(256, 64), InceptionA(288, 64)
            self.Mixed_6a = InceptionB(288)
            self.Mixed_6b, self.Mixed_6c = InceptionC(768, 128), InceptionC(768, 160)
            self.Mixed_6d, self.Mixed_6e = InceptionC(768, 160), InceptionC(768, 192)
            self.Mixed_7a = InceptionD(768)
            self.Mixed_7b, self.Mixed_7c = InceptionE(1280, max_pool=False), InceptionE(2048, max_pool=True)
            self.fc = nn.Linear(2048, 1008)  # the classifier: loaded with the rest, not used for FID
            self.input_size = input_size

        def forward(self, x):  # (B, 3, H, W) RGB in [0, 1] -> (B, 2048) pool3 features
            x = F.interpolate(x, size=(self.input_size,) * 2, mode="bilinear", align_corners=False) * 2 - 1
            x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
            x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(F.max_pool2d(x, 3, 2)))
            x = F.max_pool2d(x, 3, 2)
            for name in ("5b", "5c", "5d", "6a", "6b", "6c", "6d", "6e", "7a", "7b", "7c"):
                x = getattr(self, f"Mixed_{name}")(x)
            return x.mean(dim=(2, 3))

    return FIDInception()


def load_fid_inception(path: str | Path):
    """pytorch-fid's Inception in ``path`` (``pt_inception-2015-12-05-6726825d.pth``, a torch state dict)."""
    path = Path(path)
    state = load_torch_file(path, f"FID Inception weights not found at '{path}'; put pt_inception-2015-12-05.pth "
                            "there (--weights DIR)")
    net = build_fid_inception()
    try:
        if not isinstance(state, dict):
            raise RuntimeError("not a dict")
        net.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise WeightsError(f"the weights in '{path}' do not match pytorch-fid's Inception-v3 "
                           f"({' '.join(str(e).split())[:200]})") from None
    return net.eval()


def inception_features(net, frames: np.ndarray, batch: int = 16) -> np.ndarray:
    """(T, 2048) float64 pool3 features of (T, H, W, 3) uint8 RGB frames."""
    import torch

    out = []
    with torch.no_grad():
        for i in range(0, len(frames), batch):
            x = torch.from_numpy(np.asarray(frames[i:i + batch], np.float32) / 255.0).permute(0, 3, 1, 2)
            out.append(net(x).double().numpy())
    return np.concatenate(out) if out else np.zeros((0, FEATURES))


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Frechet distance of Gaussians fitted to two feature sets (N, D), (M, D): pytorch-fid's
    |mu1 - mu2|^2 + Tr(S1) + Tr(S2) - 2 Tr(sqrtm(S1 S2)). With centred features A, B the trace of the root is the
    nuclear norm of A B^T / sqrt((N - 1)(M - 1)) (S1 S2's eigenvalues are those of that matrix times its
    transpose), exact and an (N, M) SVD instead of a (D, D) matrix root: a clip has ~75 frames, D is 2048."""
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    mu1, mu2 = a.mean(0), b.mean(0)
    ca, cb = a - mu1, b - mu2
    n, m = len(a) - 1, len(b) - 1
    root = np.linalg.svd(ca @ cb.T, compute_uv=False).sum() / np.sqrt(n * m)
    diff = mu1 - mu2
    return float(diff @ diff + (ca ** 2).sum() / n + (cb ** 2).sum() / m - 2 * root)


def fid(net, real: np.ndarray, fake: np.ndarray) -> float:
    """FID between (T, H, W, 3) uint8 real and generated frames (lower = closer distributions)."""
    return frechet_distance(inception_features(net, real), inception_features(net, fake))
