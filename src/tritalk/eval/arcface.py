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

from pathlib import Path

import cv2
import numpy as np

from tritalk.io.checkpoint import load_torch_file
from tritalk.eval.landmark_metrics import similarity_align
from tritalk.neural.iresnet import IResNet

ARCFACE_TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                             [41.5493, 92.3655], [70.7299, 92.2041]], np.float64)  # insightface arcface_dst (112 px)
FIVE_POINTS = (468, 473, 1, 61, 291)  # MediaPipe: image-left eye (iris centre), image-right eye, nose tip, mouth corners
SIZE = 112


def load_arcface(path: str | Path):
    """The ArcFace backbone in ``path`` (a torch state dict as arcface_torch saves ``backbone.pth``; the
    network is neural/iresnet.py, shared with the identity loss), eval mode."""
    path = Path(path)
    state = load_torch_file(path, f"ArcFace weights not found at '{path}'; put arcface_r100.pth there (--weights DIR)")
    return IResNet.from_state(state, str(path))


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
