"""Emotion over time: the CLI's ``--emotion`` text -> ``EmotionSpec`` / ``EmotionTimeline``, and either
one -> the emotion track ``W (T, 8)``, the weight of each MEAD emotion per frame (intensity x mixture
weight). Timeline segments are joined by raised-cosine cross-fades of ``transition_s``: no step, no kink.
"""

from __future__ import annotations

import math
import re

import numpy as np

from tritalk.errors import ConfigError
from tritalk.types import EMOTIONS, EmotionSpec, EmotionTimeline

TRANSITION_S = 0.6
"""Default cross-fade between timeline segments [s] (``EmotionConfig.transition_s``)."""

_SEGMENT = re.compile(r"^\s*([a-z]+)\s*(?:@\s*([0-9.]+)\s*)?:\s*([0-9.]*)\s*-\s*([0-9.]*)\s*$")


def parse_timeline(text: str, intensity: float = 0.5, transition_s: float | None = None) -> EmotionTimeline:
    """``"neutral:0-2,happy:2-6,sad:6-"`` (seconds; an open end runs to the clip's end) -> EmotionTimeline.

    A segment may carry its own intensity: ``"happy@0.9:2-6"``. Gaps between segments are neutral.
    """
    segments = []
    for part in text.split(","):
        m = _SEGMENT.match(part.lower())
        if not m:
            raise ConfigError(f"cannot read emotion segment '{part.strip()}'; write NAME:START-END in seconds, "
                              "e.g. 'neutral:0-2,happy:2-6,sad:6-'")
        name, level, start, end = m.groups()
        if name not in EMOTIONS:
            raise ConfigError(f"unknown emotion '{name}' in the timeline; choose one of: {', '.join(EMOTIONS)}")
        try:
            start_s = float(start) if start else 0.0
            end_s = float(end) if end else math.inf
            level_v = float(level) if level else intensity
        except ValueError:
            raise ConfigError(f"cannot read the numbers in emotion segment '{part.strip()}'; "
                              "write NAME:START-END in seconds, e.g. 'happy:2-6'") from None
        if not end_s > start_s:
            raise ConfigError(f"emotion segment '{part.strip()}' ends before it starts; write START < END")
        segments.append((EmotionSpec(name, level_v), start_s, end_s))
    segments.sort(key=lambda s: s[1])
    for (_, _, end_a), (spec_b, start_b, _) in zip(segments, segments[1:]):
        if start_b < end_a - 1e-9:
            raise ConfigError(f"emotion segments overlap at {start_b:g} s; give each second one emotion")
    return EmotionTimeline(tuple(segments), TRANSITION_S if transition_s is None else transition_s)


def parse_emotion(text: str, intensity: float = 0.5) -> EmotionSpec | EmotionTimeline:
    """The CLI's ``--emotion``: a MEAD name, a timeline (``name:start-end,...``) or free text.

    Free text ("quietly furious") needs the optional text model (``pip install 'tritalk[text]'``).
    """
    key = text.strip().lower()
    if key in EMOTIONS:
        return EmotionSpec(key, intensity)
    if ":" in key and re.match(r"^[a-z]+\s*(@\s*[0-9.]+\s*)?:", key):
        return parse_timeline(key, intensity)
    if not key:
        raise ConfigError(f"empty emotion; choose one of: {', '.join(EMOTIONS)}, a timeline or a description")
    from tritalk.motion.emotion_text import describe_emotion

    return describe_emotion(text, intensity)


def emotion_track(emotion: EmotionSpec | EmotionTimeline, n_frames: int, fps: float) -> np.ndarray:
    """(T, 8) float32 weight of each emotion (EMOTIONS order) per frame: intensity x mixture weight.

    The neutral column holds what is left (1 - the others), so rows sum to 1.
    """
    if isinstance(emotion, EmotionSpec):
        w = np.repeat(emotion.weights()[None], n_frames, 0)
    else:
        t = (np.arange(n_frames) + 0.5) / fps  # (T,) frame centres [s]
        w = np.zeros((n_frames, len(EMOTIONS)))
        w[:, 0] = 1.0  # gaps are neutral
        for spec, start, end in emotion.segments:
            inside = ((t >= start) & (t < end)).astype(np.float64)
            w[inside > 0] = spec.weights()
        half = emotion.transition_s * fps / 2.0
        if half > 0.5 and n_frames > 1:
            w = _raised_cosine_blur(w, half)
    rest = 1.0 - w[:, 1:].sum(1)
    w[:, 0] = np.clip(rest, 0, 1)
    return w.astype(np.float32)


def _raised_cosine_blur(w: np.ndarray, half: float) -> np.ndarray:
    """Moving average with a raised-cosine (Hann) kernel of total width 2 * half frames: a step
    becomes an S-curve over that width, with bounded slope and curvature."""
    k = int(math.ceil(half))
    x = np.arange(-k, k + 1) / max(half, 1e-9)
    kernel = np.where(np.abs(x) <= 1, 0.5 + 0.5 * np.cos(np.pi * x), 0.0)
    kernel /= kernel.sum()
    pad = np.pad(w, ((k, k), (0, 0)), mode="edge")
    return np.stack([np.convolve(pad[:, j], kernel, mode="valid") for j in range(w.shape[1])], 1)
