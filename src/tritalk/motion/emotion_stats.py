"""Emotion statistics learned from emotional video: ``fit_emotion_stats`` measures each MEAD emotion's
mean expression offset from the same speaker's neutral face (plus its spread and frame count), and
``EmotionStats`` saves and loads them as ``.npz``. ``EmotionModel.from_stats`` turns them into prototypes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tritalk.errors import ConfigError, WeightsError
from tritalk.types import BLENDSHAPES, EMOTIONS, N_EXPR


@dataclass(frozen=True)
class EmotionStats:
    """Per-emotion expression statistics measured on emotional video (e.g. MEAD via ``tritalk prepare``).

    ``mean[e]`` is the mean ARKit expression of emotion ``e`` minus the same speaker's neutral
    mean (so identity and the speech mouth cancel), averaged over speakers; ``std[e]`` its
    frame spread; ``count[e]`` the frames behind it. Saved as ``.npz`` with these arrays plus
    ``emotions`` and ``blendshapes`` name lists (checked on load).
    """

    mean: np.ndarray  # (8, 52) float32, EMOTIONS x BLENDSHAPES
    std: np.ndarray  # (8, 52) float32
    count: np.ndarray  # (8,) int64

    def save(self, path: str | Path) -> None:
        np.savez(path, mean=self.mean, std=self.std, count=self.count, emotions=np.array(EMOTIONS),
                 blendshapes=np.array(BLENDSHAPES))

    @classmethod
    def load(cls, path: str | Path) -> "EmotionStats":
        path = Path(path)
        try:
            d = np.load(path)
            mean, std, count = d["mean"], d["std"], d["count"]
            emotions, names = tuple(str(x) for x in d["emotions"]), tuple(str(x) for x in d["blendshapes"])
        except (OSError, ValueError, KeyError) as e:
            raise WeightsError(f"emotion statistics '{path}' cannot be read ({e}); "
                               "give an .npz written by EmotionStats.save") from None
        if names != BLENDSHAPES or emotions != EMOTIONS or mean.shape != (len(EMOTIONS), N_EXPR):
            raise WeightsError(f"emotion statistics '{path}' are for another coefficient or emotion order; "
                               "recompute them with this version of tritalk")
        return cls(mean.astype(np.float32), std.astype(np.float32), count.astype(np.int64))


def fit_emotion_stats(clips: list[tuple[str, str, np.ndarray]]) -> EmotionStats:
    """Statistics from ``(speaker, emotion, expr (T, 52))`` clips, e.g. MediaPipe blendshapes of MEAD.

    Each speaker's neutral mean is subtracted from their emotional clips (identity and the
    average speech mouth cancel); the per-speaker emotion means are then averaged, so a speaker
    with many clips does not dominate. Emotions without data get a zero mean and count 0.
    """
    by: dict[tuple[str, str], list[np.ndarray]] = {}
    for speaker, emotion, expr in clips:
        if emotion not in EMOTIONS:
            raise ConfigError(f"unknown emotion '{emotion}' in the dataset; use one of: {', '.join(EMOTIONS)}")
        expr = np.asarray(expr, np.float64)
        if expr.ndim != 2 or expr.shape[1] != N_EXPR:
            raise ConfigError(f"clip of {speaker}/{emotion} must be (T, {N_EXPR}), got {expr.shape}")
        by.setdefault((speaker, emotion), []).append(expr)
    mean = np.zeros((len(EMOTIONS), N_EXPR))
    std = np.zeros((len(EMOTIONS), N_EXPR))
    count = np.zeros(len(EMOTIONS), np.int64)
    speakers = sorted({s for s, _ in by})
    for k, emotion in enumerate(EMOTIONS):
        offsets, spreads = [], []
        for s in speakers:
            if (s, emotion) not in by or (s, "neutral") not in by:
                continue
            frames = np.concatenate(by[(s, emotion)])
            base = np.concatenate(by[(s, "neutral")]).mean(0)
            offsets.append(frames.mean(0) - base)
            spreads.append(frames.std(0))
            count[k] += len(frames)
        if offsets:
            mean[k] = np.mean(offsets, 0)
            std[k] = np.mean(spreads, 0)
    return EmotionStats(mean.astype(np.float32), std.astype(np.float32), count)
