"""SyncNet (Chung & Zisserman, ACCV-W 2016) and the LSE-C / LSE-D scores the talking-head literature reports.

    net = SyncNet.load("weights/syncnet_v2.model")      # syncnet_python's published state dict (torch.save)
    lse = sync_scores(net, face_crops, audio)           # {"LSE-C": conf, "LSE-D": min mean distance, "LSE_offset": frames}

The protocol of syncnet_python's ``SyncNetInstance.evaluate`` (used by Wav2Lip's LSE scripts):
  video   5-frame windows of 224 x 224 face crops, BGR, 0..255 (no normalisation), (1, 3, 5, 224, 224)
  audio   16 kHz, int16 scale; MFCC as python_speech_features.mfcc (25 ms windows every 10 ms, 26 mel filters,
          512-point FFT, pre-emphasis 0.97, 13 cepstra, lifter 22, c0 = log frame energy): 20 MFCC frames
          (0.2 s) per video window, (1, 1, 13, 20)
  scores  per video frame, the distance of its video embedding to the audio embeddings at offsets -15..+15;
          mean over frames per offset; LSE-D = the smallest mean distance, LSE-C = median - smallest,
          offset = the best offset [frames]

The network is built here from its layer table; the weights come only from a local file (nothing is
downloaded). tests/eval/test_syncnet.py loads a random checkpoint saved in the same format.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

from tritalk.errors import WeightsError
from tritalk.io.checkpoint import load_torch_file

VSHIFT = 15  # offsets searched, +-frames (syncnet_python's default)
WINDOW = 5  # video frames per embedding
SIZE = 224  # face crop side [px]

# (kind, args) per layer, in the order (and so with the state-dict indices) of syncnet_python's ``S``
_AUDIO_CNN = [("conv2d", 1, 64, (3, 3), (1, 1), (1, 1)), ("bn2d", 64), ("relu",), ("maxpool2d", (1, 1), (1, 1), 0),
              ("conv2d", 64, 192, (3, 3), (1, 1), (1, 1)), ("bn2d", 192), ("relu",), ("maxpool2d", (3, 3), (1, 2), 0),
              ("conv2d", 192, 384, (3, 3), (1, 1), (1, 1)), ("bn2d", 384), ("relu",),
              ("conv2d", 384, 256, (3, 3), (1, 1), (1, 1)), ("bn2d", 256), ("relu",),
              ("conv2d", 256, 256, (3, 3), (1, 1), (1, 1)), ("bn2d", 256), ("relu",), ("maxpool2d", (3, 3), (2, 2), 0),
              ("conv2d", 256, 512, (5, 4), (1, 1), (0, 0)), ("bn2d", 512), ("relu",)]
_LIP_CNN = [("conv3d", 3, 96, (5, 7, 7), (1, 2, 2), 0), ("bn3d", 96), ("relu",), ("maxpool3d", (1, 3, 3), (1, 2, 2), 0),
            ("conv3d", 96, 256, (1, 5, 5), (1, 2, 2), (0, 1, 1)), ("bn3d", 256), ("relu",),
            ("maxpool3d", (1, 3, 3), (1, 2, 2), (0, 1, 1)),
            ("conv3d", 256, 256, (1, 3, 3), (1, 1, 1), (0, 1, 1)), ("bn3d", 256), ("relu",),
            ("conv3d", 256, 256, (1, 3, 3), (1, 1, 1), (0, 1, 1)), ("bn3d", 256), ("relu",),
            ("conv3d", 256, 256, (1, 3, 3), (1, 1, 1), (0, 1, 1)), ("bn3d", 256), ("relu",),
            ("maxpool3d", (1, 3, 3), (1, 2, 2), 0),
            ("conv3d", 256, 512, (1, 6, 6), (1, 1, 1), 0), ("bn3d", 512), ("relu",)]
_FC = [("linear", 512, 512), ("bn1d", 512), ("relu",), ("linear", 512, 1024)]


def _layers(spec):
    import torch.nn as nn

    make = {"conv2d": lambda i, o, k, s, p: nn.Conv2d(i, o, k, s, p), "conv3d": lambda i, o, k, s, p: nn.Conv3d(i, o, k, s, p),
            "bn1d": nn.BatchNorm1d, "bn2d": nn.BatchNorm2d, "bn3d": nn.BatchNorm3d, "relu": lambda: nn.ReLU(),
            "maxpool2d": lambda k, s, p: nn.MaxPool2d(k, s, p), "maxpool3d": lambda k, s, p: nn.MaxPool3d(k, s, p),
            "linear": nn.Linear}
    return nn.Sequential(*[make[kind](*args) for kind, *args in spec])


def build_syncnet():
    """SyncNet with random weights: audio (B, 1, 13, 20) and lips (B, 3, 5, 224, 224) -> (B, 1024) each."""
    import torch.nn as nn

    class SyncNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.netcnnaud, self.netfcaud = _layers(_AUDIO_CNN), _layers(_FC)
            self.netcnnlip, self.netfclip = _layers(_LIP_CNN), _layers(_FC)

        def forward_aud(self, x):
            return self.netfcaud(self.netcnnaud(x).flatten(1))

        def forward_lip(self, x):
            return self.netfclip(self.netcnnlip(x).flatten(1))

    return SyncNet()


def load_syncnet(path: str | Path):
    """SyncNet with the weights of ``path`` (a ``torch.save`` state dict, as syncnet_python's syncnet_v2.model)."""
    path = Path(path)
    state = load_torch_file(path, f"SyncNet weights not found at '{path}'; put syncnet_v2.model there (--weights DIR)",
                            "a SyncNet state dict", "; use syncnet_python's syncnet_v2.model")
    state = state.get("state_dict", state) if isinstance(state, dict) else state
    net = build_syncnet()
    try:
        net.load_state_dict({k.removeprefix("__S__."): v for k, v in state.items()}, strict=True)
    except (RuntimeError, AttributeError) as e:
        raise WeightsError(f"'{path}' does not match SyncNet's layers ({_one_line(e)}); use syncnet_python's "
                           "syncnet_v2.model") from None
    return net.eval()


def mfcc(x: np.ndarray, sr: int = 16000) -> np.ndarray:
    """(N,) audio -> (13, F) MFCC every 10 ms, as python_speech_features.mfcc with its defaults."""
    x = np.asarray(x, np.float64)
    x = np.append(x[0], x[1:] - 0.97 * x[:-1])
    flen, step, nfft = int(round(0.025 * sr)), int(round(0.01 * sr)), 512
    nframes = 1 if len(x) <= flen else 1 + int(math.ceil((len(x) - flen) / step))
    x = np.concatenate([x, np.zeros((nframes - 1) * step + flen - len(x))])
    idx = np.arange(flen)[None] + step * np.arange(nframes)[:, None]
    pspec = np.abs(np.fft.rfft(x[idx], nfft)) ** 2 / nfft
    energy = pspec.sum(axis=1)
    energy[energy == 0] = np.finfo(float).eps
    mel = np.linspace(0, 2595 * np.log10(1 + (sr / 2) / 700), 26 + 2)
    bins = np.floor((nfft + 1) * (700 * (10 ** (mel / 2595) - 1)) / sr)
    fb = np.zeros((26, nfft // 2 + 1))
    for j in range(26):
        for i in range(int(bins[j]), int(bins[j + 1])):
            fb[j, i] = (i - bins[j]) / (bins[j + 1] - bins[j])
        for i in range(int(bins[j + 1]), int(bins[j + 2])):
            fb[j, i] = (bins[j + 2] - i) / (bins[j + 2] - bins[j + 1])
    feat = pspec @ fb.T
    feat[feat == 0] = np.finfo(float).eps
    from scipy.fft import dct

    cep = dct(np.log(feat), type=2, axis=1, norm="ortho")[:, :13]
    cep *= 1 + 11.0 * np.sin(np.pi * np.arange(13) / 22)  # lifter 22
    cep[:, 0] = np.log(energy)
    return cep.T


def face_windows(crops: np.ndarray) -> np.ndarray:
    """(T, S, S, 3) RGB crops of the Subject's framing -> (T, 224, 224, 3) BGR face crops: the face box is the
    middle half of the crop (face/subject.py CROP_SCALE 2, lifted by CROP_LIFT), widened 1.4x as syncnet_python's
    crop_scale 0.4."""
    from tritalk.face.subject import CROP_LIFT, CROP_SCALE

    s = crops.shape[1]
    box = s / CROP_SCALE
    side = 1.4 * box
    cx, cy = s / 2, s / 2 + CROP_LIFT * box
    m = np.array([[SIZE / side, 0, SIZE / 2 - SIZE / side * cx], [0, SIZE / side, SIZE / 2 - SIZE / side * cy]], np.float32)
    return np.stack([cv2.warpAffine(f[..., ::-1], m, (SIZE, SIZE), borderMode=cv2.BORDER_REPLICATE) for f in crops])


def sync_scores(net, crops: np.ndarray, audio, fps: float = 25.0, batch: int = 20) -> dict:
    """LSE-C, LSE-D and the best offset [frames] of (T, S, S, 3) RGB crops with their audio (an AudioClip)."""
    import torch
    import torch.nn.functional as F

    from scipy.signal import resample_poly

    if abs(fps - 25.0) > 1e-6:
        return {"LSE-C": "n/a (SyncNet takes 25 fps video)", "LSE-D": "n/a (SyncNet takes 25 fps video)"}
    g = math.gcd(int(audio.sample_rate), 16000)
    x = audio.samples if audio.sample_rate == 16000 else resample_poly(audio.samples, 16000 // g, audio.sample_rate // g)
    cc = mfcc(np.asarray(x, np.float64) * 32768.0)  # syncnet_python reads int16 samples
    faces = face_windows(crops).astype(np.float32)
    n = min(len(faces), cc.shape[1] // 4) - WINDOW
    if n < 1:
        return {"LSE-C": "n/a (clip shorter than SyncNet's window)", "LSE-D": "n/a (clip shorter than SyncNet's window)"}
    vid = torch.from_numpy(faces).permute(3, 0, 1, 2)[None]  # (1, 3, T, 224, 224)
    aud = torch.from_numpy(cc.astype(np.float32))[None, None]  # (1, 1, 13, F)
    vf, af = [], []
    with torch.no_grad():
        for i in range(0, n, batch):
            ts = range(i, min(n, i + batch))
            vf.append(net.forward_lip(torch.cat([vid[:, :, t:t + WINDOW] for t in ts])))
            af.append(net.forward_aud(torch.cat([aud[:, :, :, 4 * t:4 * t + 20] for t in ts])))
    vf, af = torch.cat(vf), torch.cat(af)
    padded = F.pad(af, (0, 0, VSHIFT, VSHIFT))
    win = 2 * VSHIFT + 1
    dists = torch.stack([F.pairwise_distance(vf[[i]].repeat(win, 1), padded[i:i + win]) for i in range(n)])
    mean = dists.mean(dim=0)
    minval, minidx = torch.min(mean, 0)
    return {"LSE-C": float(torch.median(mean) - minval), "LSE-D": float(minval), "LSE_offset": int(VSHIFT - minidx)}


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split())[:200]
