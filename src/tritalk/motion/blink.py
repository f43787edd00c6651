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
  * Emotion (optional ``emotion`` track (T, 8), EMOTIONS order, from ``motion.emotion_timeline.emotion_track``):
    the rate, duration and double-blink share are scaled per frame by the weighted emotion
    factors in ``BlinkConfig`` (arousal and anxiety raise the rate, e.g. fear x1.2 and anger
    x1.2; attention lowers it, surprise x0.65; sadness slows the rate and lengthens each
    blink). A time-varying rate is drawn in warped time (the integral of the rate factor), so
    the interval statistics above hold locally.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace

import numpy as np

from tritalk.errors import ConfigError
from tritalk.types import EMOTIONS, IDX, Motion, check_per_emotion

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
    rate_factor: tuple[float, ...] = (1.0, 1.2, 1.0, 1.1, 1.2, 1.1, 0.8, 0.65)
    """Rate multiplier per emotion at full intensity, EMOTIONS order (neutral, angry, contempt,
    disgusted, fearful, happy, sad, surprised): blinking rises with arousal and anxiety and
    falls with wide-eyed attention."""
    duration_factor: tuple[float, ...] = (1.0, 0.95, 1.0, 1.0, 0.9, 1.0, 1.3, 0.9)
    """Blink-duration multiplier per emotion (sad: slow, heavy lids)."""
    double_factor: tuple[float, ...] = (1.0, 1.2, 1.0, 1.0, 1.5, 1.0, 0.8, 1.0)
    """Double-blink probability multiplier per emotion (anxious flutter in fear)."""

    def __post_init__(self):
        check_per_emotion("blink", rate_factor=self.rate_factor, duration_factor=self.duration_factor,
                          double_factor=self.double_factor)


def emotion_factors(emotion: np.ndarray | None, n_frames: int,
                    config: BlinkConfig = BlinkConfig()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-frame (rate, duration, double-blink) multipliers, each (T,), from an emotion track (T, 8)."""
    if emotion is None:
        one = np.ones(n_frames)
        return one, one, one
    if emotion.shape != (n_frames, len(EMOTIONS)):
        raise ConfigError(f"emotion track must be ({n_frames}, {len(EMOTIONS)}), got {emotion.shape}")
    w = emotion.astype(np.float64) / np.maximum(emotion.sum(1, keepdims=True), 1e-9)
    return (w @ np.array(config.rate_factor), w @ np.array(config.duration_factor),
            w @ np.array(config.double_factor))


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
                config: BlinkConfig = BlinkConfig(), duration_scale=None, double_scale=None,
                time_scale=None) -> list[tuple[float, float]]:
    """(start [s], duration [s]) of each blink in [0, duration_s), before snapping to frames.

    ``duration_scale(t)`` / ``double_scale(t)`` (optional) scale the duration and the double-blink
    probability of a blink starting at time t. With ``time_scale(t)`` the schedule runs in a warped
    time (see ``blink_track``): starts are in warped units, durations and gaps stay in seconds and
    advance the warped clock by ``seconds * time_scale(t)``.
    """
    cfg = config
    if rate_per_min <= 0:
        return []
    mean_interval = 60.0 / rate_per_min
    refractory = min(cfg.refractory_s, 0.5 * mean_interval)  # a high asked-for rate wins over the floor
    rest_mean = mean_interval - refractory
    lo, hi = cfg.duration_range_s

    def draw_duration(t: float) -> float:
        scale = duration_scale(t) if duration_scale else 1.0
        return float(np.clip(cfg.duration_median_s * scale * math.exp(cfg.duration_sigma * rng.standard_normal()),
                             lo, hi))

    blinks = []
    t = float(rng.uniform(0.2, min(cfg.first_blink_max_s, mean_interval)))
    def warp(t: float) -> float:
        return time_scale(t) if time_scale else 1.0

    while t < duration_s:
        d = draw_duration(t)
        blinks.append((t, d))
        end = t + d * warp(t)
        p_double = cfg.double_prob * (double_scale(t) if double_scale else 1.0)
        if rng.random() < p_double:
            t2 = end + float(rng.uniform(*cfg.double_gap_s)) * warp(end)
            d2 = draw_duration(t2)
            if t2 < duration_s:
                blinks.append((t2, d2))
            end = t2 + d2 * warp(t2)
        t = end + refractory + float(rng.gamma(cfg.gamma_shape, rest_mean / cfg.gamma_shape))
    return blinks


def blink_track(n_frames: int, fps: float, rate_per_min: float = 17.0, seed: int = 0,
                config: BlinkConfig = BlinkConfig(), emotion: np.ndarray | None = None) -> np.ndarray:
    """(T,) float32 lid closure in [0, 1] for a clip of n_frames at fps (see module docstring).

    ``emotion`` (T, 8) makes the rate, duration and double blinks emotion-dependent.
    """
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
    rate_f, dur_f, dbl_f = emotion_factors(emotion, n_frames, config)
    # warped time: tau(t) = integral of the rate factor; blinks drawn at the base rate in tau
    tau = np.concatenate([[0.0], np.cumsum(rate_f) / fps])  # (T + 1,) at frame edges
    edges = np.arange(n_frames + 1) / fps

    def to_time(x: float) -> float:
        return float(np.interp(x, tau, edges)) if n_frames else x

    def at(values: np.ndarray):
        return lambda x: float(values[min(max(int(to_time(x) * fps), 0), max(n_frames - 1, 0))]) if n_frames else 1.0

    for start, dur in blink_times(float(tau[-1]), rate_per_min, rng, config, at(dur_f), at(dbl_f), at(rate_f)):
        start = to_time(start)
        peak = round((start + c * dur) * fps) / fps  # the closed instant falls on a frame
        track = np.maximum(track, _profile(t, peak - c * dur, dur, c))
    return np.clip(track, 0.0, 1.0).astype(np.float32)


def apply_blinks(motion: Motion, rate_per_min: float = 17.0, seed: int = 0,
                 config: BlinkConfig = BlinkConfig(), emotion: np.ndarray | None = None) -> Motion:
    """A new Motion with blinks written into eyeBlinkLeft/Right (max with what is there)."""
    track = blink_track(len(motion), motion.fps, rate_per_min, seed, config, emotion)  # (T,)
    expr = motion.expr.copy()
    for name in ("eyeBlinkLeft", "eyeBlinkRight"):
        expr[:, IDX[name]] = np.maximum(expr[:, IDX[name]], track)
    return replace(motion, expr=expr)
