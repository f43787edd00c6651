"""The paper's learned metrics, computed only from weights the user has on disk (nothing is downloaded).

    w = NetworkWeights("~/tritalk-eval-weights")      # a folder; None: every learned metric reads n/a
    w.metrics(real_crops, fake_crops, audio, reference_view=True)
    # {"LSE-C": ..., "LSE-D": ..., "FID": "n/a (no weights at .../pt_inception-2015-12-05.pth)", ...}

  metric              network (file expected in the folder)
  LSE-C, LSE-D        SyncNet (eval/syncnet.py), syncnet_python's ``syncnet_v2.model``
  LPIPS               LPIPS v0.1 AlexNet (eval/lpips.py): ``lpips_alex.pth`` (the lpips package's
                      weights/v0.1/alex.pth) + ``alexnet.pth`` (torchvision's AlexNet state dict)
  CSIM                ArcFace iResNet-100 (eval/arcface.py): insightface arcface_torch's backbone state dict,
                      ``arcface_r100.pth``; the reference photo against each generated frame
  FID                 pytorch-fid's Inception-v3 (eval/inception.py), ``pt_inception-2015-12-05.pth``; per clip,
                      real vs generated front-view frames
  emotion_acc         an emotion classifier trained on MEAD (eval/emotion_classifier.py, whose docstring fixes
                      the file format), ``emotion_mead.pth``

None of these networks can ship with tritalk (licences, size). A missing file reads
"n/a (no weights at PATH)"; a file that is there but malformed is a WeightsError naming the path.
Our shipped, model-free stand-ins have their own names and never stand in for these: sync_metrics.py's
``av_offset`` / ``mouth_loudness_r`` (not LSE), landmark_metrics.py's M-LMD / F-LMD.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

WEIGHT_FILES = {
    "LSE-C": "syncnet_v2.model", "LSE-D": "syncnet_v2.model", "FID": "pt_inception-2015-12-05.pth",
    "LPIPS": "lpips_alex.pth", "CSIM": "arcface_r100.pth", "emotion_acc": "emotion_mead.pth",
}
FULL_REFERENCE_NETWORKS = ("FID", "LPIPS")  # need the real frames of the same view


def _syncnet(path: Path):
    from tritalk.eval.syncnet import load_syncnet, sync_scores

    net = load_syncnet(path)
    return lambda real, fake, audio, fps, emotion: sync_scores(net, fake, audio, fps)


def _lpips(path: Path):
    from tritalk.eval.lpips import load_lpips, lpips_distance

    net = load_lpips(path.parent)
    return lambda real, fake, audio, fps, emotion: {"LPIPS": lpips_distance(net, real[1:], fake[1:])}  # 0: the reference


def _arcface(path: Path):
    from tritalk.eval.arcface import csim, load_arcface
    from tritalk.face.track import measure_frames

    net = load_arcface(path)

    def score(real, fake, audio, fps, emotion):  # the reference photo (real frame 0) against every generated frame
        ref = measure_frames(real[:1], fps).landmarks[0]
        return {"CSIM": csim(net, real[0], fake[1:], ref, measure_frames(fake[1:], fps).landmarks)}

    return score


def _inception(path: Path):
    from tritalk.eval.inception import fid, load_fid_inception

    net = load_fid_inception(path)
    return lambda real, fake, audio, fps, emotion: {"FID": fid(net, real[1:], fake[1:])}


def _emotion(path: Path):
    from tritalk.eval.emotion_classifier import emotion_accuracy, load_emotion_classifier

    clf = load_emotion_classifier(path)
    return lambda real, fake, audio, fps, emotion: {"emotion_acc": emotion_accuracy(clf, fake, emotion)}


# file name -> function(path) -> (real, fake, audio, fps, emotion) -> {metric: value}
LOADERS = {"syncnet_v2.model": _syncnet, "lpips_alex.pth": _lpips, "arcface_r100.pth": _arcface,
           "pt_inception-2015-12-05.pth": _inception, "emotion_mead.pth": _emotion}


class NetworkWeights:
    """Where the learned metrics' weights are (a folder, or None for none)."""

    def __init__(self, folder: str | Path | None):
        self.folder = Path(folder).expanduser() if folder else None
        self._loaded: dict = {}
        self._scores: dict = {}

    def path(self, metric: str) -> Path | None:
        return self.folder / WEIGHT_FILES[metric] if self.folder else None

    def metrics(self, real: np.ndarray, fake: np.ndarray, audio, reference_view: bool, fps: float = 25.0,
                emotion: str = "neutral") -> dict:
        """Every learned metric of a generated clip: a number, or a string saying why not. ``emotion``: the one
        the system was driven with (what emotion accuracy checks the frames against)."""
        out = {}
        for metric, fname in WEIGHT_FILES.items():
            if metric in FULL_REFERENCE_NETWORKS and not reference_view:
                continue
            path = self.path(metric)
            if path is None or not path.is_file():
                shown = path if path is not None else Path("--weights DIR") / fname
                out[metric] = f"n/a (no weights at {shown})"
                continue
            if fname not in LOADERS:
                out[metric] = f"n/a ({fname} found; its loader is not implemented yet)"
                continue
            if fname not in self._loaded:
                self._loaded[fname] = LOADERS[fname](path)
            if fname not in self._scores:  # one network gives several metrics (SyncNet: LSE-C and LSE-D)
                self._scores[fname] = self._loaded[fname](real, fake, audio, fps, emotion)
            out[metric] = self._scores[fname].get(metric, f"n/a ({fname} gave no {metric})")
        self._scores = {}
        return out
