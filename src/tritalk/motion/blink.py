"""Eye blinks: a natural blink track and its application to a Motion.

Contract:
  * ``blink_track(n_frames, fps, rate_per_min=17, seed=0) -> (T,) float32 in [0, 1]``,
    0 = eyes open, 1 = fully closed. Deterministic per seed (numpy ``default_rng``).
  * ``apply_blinks(motion, rate_per_min=17, seed=0) -> Motion``: a new Motion whose
    eyeBlinkLeft/Right are the max of the existing values and the track (both eyes together).

Timing (spontaneous blinking at rest / while talking):
  * Inter-blink intervals: a refractory minimum (1.5 s) plus a gamma-distributed remainder
    (shape 2: neither metronomic nor bursty), with the mean interval 60 / rate.
  * Duration: log-normal around 200 ms, clipped to 100-400 ms.
  * Shape: closing in the first 40 % of the duration (fast), opening in the remaining 60 %
    (slower), both with eased (half-cosine) velocity; the peak (1.0) is put on a frame, so a
    rendered frame shows the closed eye even at 25 fps.
  * Double blinks: ~10 % of blinks are followed, after 50-150 ms of open eyes, by a second one.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from tritalk.errors import ConfigError
from tritalk.types import IDX, Motion

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BlinkConfig:
    refractory_s: float = 1.5
    """No two separate blinks closer than this (double blinks excepted); caps the rate at ~40/min."""
    gamma_shape: float = 2.0
    """Shape of the interval remainder: 1 would be Poisson (clumpy), larger is more regular."""
    duration_median_s: float = 0.2
    duration_sigma: float = 0.25
    """Log-normal spread: ~68 % of blinks between 155 and 255 ms."""
    duration_range_s: tuple[float, float] = (0.1, 0.4)
    close_fraction: float = 0.4
    """Lid closes in 40 % of the blink, reopens in 60 %: closing is the faster phase."""
    double_prob: float = 0.1
    double_gap_s: tuple[float, float] = (0.05, 0.15)
    """Open-eye time between the two blinks of a double blink."""
    first_blink_max_s: float = 2.0
    """The first blink comes within this time, so short clips still blink."""


def _profile(t: np.ndarray, start: float, duration: float, close_fraction: float) -> np.ndarray:
    """Lid closure at times ``t`` (s) for one blink starting at ``start``: 0 -> 1 -> 0."""
    u = (t - start) / duration  # (N,) 0..1 inside the blink
    c = close_fraction
    out = np.zeros_like(t)
    closing = (u >= 0) & (u < c)
    opening = (u >= c) & (u <= 1)
    out[closing] = 0.5 - 0.5 * np.cos(np.pi * u[closing] / c)
    out[opening] = 0.5 + 0.5 * np.cos(np.pi * (u[opening] - c) / (1.0 - c))
    return out


def blink_times(duration_s: float, rate_per_min: float, rng: np.random.Generator,
                config: BlinkConfig = BlinkConfig()) -> list[tuple[float, float]]:
    """(start [s], duration [s]) of each blink in [0, duration_s), before snapping to frames."""
    cfg = config
    if rate_per_min <= 0:
        return []
    mean_interval = 60.0 / rate_per_min
    refractory = min(cfg.refractory_s, 0.5 * mean_interval)  # a high asked-for rate wins over the floor
    rest_mean = mean_interval - refractory
    lo, hi = cfg.duration_range_s

    def draw_duration() -> float:
        return float(np.clip(cfg.duration_median_s * math.exp(cfg.duration_sigma * rng.standard_normal()), lo, hi))

    blinks = []
    t = float(rng.uniform(0.2, min(cfg.first_blink_max_s, mean_interval)))
    while t < duration_s:
        d = draw_duration()
        blinks.append((t, d))
        end = t + d
        if rng.random() < cfg.double_prob:
            t2 = end + float(rng.uniform(*cfg.double_gap_s))
            d2 = draw_duration()
            if t2 < duration_s:
                blinks.append((t2, d2))
            end = t2 + d2
        t = end + refractory + float(rng.gamma(cfg.gamma_shape, rest_mean / cfg.gamma_shape))
    return blinks


def blink_track(n_frames: int, fps: float, rate_per_min: float = 17.0, seed: int = 0,
                config: BlinkConfig = BlinkConfig()) -> np.ndarray:
    """(T,) float32 lid closure in [0, 1] for a clip of n_frames at fps (see module docstring)."""
    if n_frames < 0:
        raise ConfigError(f"n_frames must be >= 0, got {n_frames}")
    if not fps > 0:
        raise ConfigError(f"fps must be > 0, got {fps}")
    if not 0 <= rate_per_min <= 60:
        raise ConfigError(f"blink rate {rate_per_min}/min is out of range; use 0-60 (people blink ~10-25/min)")
    rng = np.random.default_rng(seed)
    t = np.arange(n_frames) / fps  # (T,) frame times [s]
    track = np.zeros(n_frames)
    c = config.close_fraction
    for start, dur in blink_times(n_frames / fps, rate_per_min, rng, config):
        peak = round((start + c * dur) * fps) / fps  # the closed instant falls on a frame
        track = np.maximum(track, _profile(t, peak - c * dur, dur, c))
    return np.clip(track, 0.0, 1.0).astype(np.float32)


def apply_blinks(motion: Motion, rate_per_min: float = 17.0, seed: int = 0,
                 config: BlinkConfig = BlinkConfig()) -> Motion:
    """A new Motion with blinks written into eyeBlinkLeft/Right (max with what is there)."""
    track = blink_track(len(motion), motion.fps, rate_per_min, seed, config)  # (T,)
    expr = motion.expr.copy()
    for name in ("eyeBlinkLeft", "eyeBlinkRight"):
        expr[:, IDX[name]] = np.maximum(expr[:, IDX[name]], track)
    return Motion(expr, motion.head.copy(), motion.gaze.copy(), motion.fps)
