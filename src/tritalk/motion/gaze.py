"""Eye gaze: fixations on the viewer with small saccades, glances away while speaking, emotion.

Contract: ``gaze_track(n_frames, fps, features=None, emotion=None, head=None, seed=0)`` ->
``(T, 2) float32`` radians (horizontal, vertical; > 0 = image right / up), the eyes' rotation
in the head. Deterministic per seed. ``Motion.gaze`` is rendered by the engine.

Model (conversational gaze, e.g. Argyle & Cook; Lee et al. 2002 "Eyes alive"):
  * fixations: the eyes rest on a point near the viewer for a gamma-distributed time (mean
    ~1.3 s, shorter while speaking), then jump by a small saccade (0.5-3 deg) to the next;
  * a saccade is fast (~40-60 ms) and eased (minimum-jerk), so at 25 fps it spans ~2 frames:
    no hold-and-pop of a full frame, no drift between saccades;
  * speakers look away at the start of a phrase (5-8 deg, mostly sideways/up), and back
    towards the listener within ~1-2 s;
  * with ``head`` (T, 6) the eyes counter-rotate (vestibulo-ocular reflex, gain 0.8) so a
    swaying head keeps looking at the viewer;
  * emotion (track (T, 8)): sadness lowers the gaze and slows the saccades, fear makes them
    frequent and wider (scanning), anger holds a steady stare, contempt glances aside.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tritalk.audio.features import AudioFeatures
from tritalk.errors import ConfigError
from tritalk.motion.head import phrases
from tritalk.types import EMOTIONS, check_per_emotion


@dataclass(frozen=True)
class GazeConfig:
    fixation_mean_s: float = 1.3
    """Mean time between saccades at rest; x0.7 while speaking."""
    saccade_deg: tuple[float, float] = (0.5, 3.0)
    """Amplitude range of the small saccades around the viewer."""
    saccade_s: float = 0.05
    """Saccade duration (minimum-jerk); real small saccades take 30-60 ms."""
    spread_deg: float = 1.5
    """Fixation points stay within this radius (std) of the viewer, when not glancing away."""
    aversion_prob: float = 0.45
    """Share of phrase starts where the speaker glances away."""
    aversion_deg: tuple[float, float] = (4.0, 8.0)
    aversion_hold_s: tuple[float, float] = (0.6, 1.6)
    vor_gain: float = 0.8
    """Counter-rotation of the eyes against head yaw/pitch (keeps the gaze on the viewer)."""
    # per emotion, EMOTIONS order (neutral, angry, contempt, disgusted, fearful, happy, sad, surprised)
    rate_factor: tuple[float, ...] = (1.0, 0.6, 0.9, 1.1, 2.0, 1.0, 0.6, 0.7)
    """Saccade rate multiplier per emotion."""
    size_factor: tuple[float, ...] = (1.0, 0.6, 1.0, 1.2, 1.8, 1.0, 0.8, 0.8)
    """Saccade amplitude multiplier per emotion."""
    offset_deg: tuple[tuple[float, float], ...] = (
        (0, 0), (0, 0), (3.0, -1.0), (-2.0, -1.0), (0, 0), (0, 0), (0, -6.0), (0, 1.0))
    """Mean gaze offset (horizontal, vertical) per emotion at full intensity."""

    def __post_init__(self):
        check_per_emotion("gaze", rate_factor=self.rate_factor, size_factor=self.size_factor,
                          offset_deg=self.offset_deg)


def _min_jerk(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0, 1)
    return u ** 3 * (10 - 15 * u + 6 * u ** 2)


def gaze_track(n_frames: int, fps: float, features: AudioFeatures | None = None, emotion: np.ndarray | None = None,
               head: np.ndarray | None = None, seed: int = 0, config: GazeConfig = GazeConfig()) -> np.ndarray:
    """(T, 2) float32 gaze [rad] (see module docstring)."""
    cfg = config
    if n_frames <= 0:
        return np.zeros((0, 2), np.float32)
    if emotion is not None and emotion.shape != (n_frames, len(EMOTIONS)):
        raise ConfigError(f"emotion track must be ({n_frames}, {len(EMOTIONS)}), got {emotion.shape}")
    rng = np.random.default_rng(seed + 104729)
    w = emotion.astype(np.float64) if emotion is not None else np.eye(len(EMOTIONS))[[0] * n_frames]
    rate = w @ np.array(cfg.rate_factor)
    size = w @ np.array(cfg.size_factor)
    offset = w @ np.array(cfg.offset_deg, np.float64)  # (T, 2)
    speaking = np.zeros(n_frames, bool)
    starts: list[int] = []
    if features is not None and len(features) == n_frames:
        for a, b in phrases(features.column("vad"), fps, 0.25):
            speaking[a:b] = True
            starts.append(a)

    # fixation targets (deg) and the frames where a saccade to each begins
    events: list[tuple[float, np.ndarray]] = []
    t, pos = 0.0, np.zeros(2)
    aversion_until = -1.0
    start_times = [s / fps for s in starts]
    while t < n_frames / fps:
        k = min(int(t * fps), n_frames - 1)
        mean = cfg.fixation_mean_s * (0.7 if speaking[k] else 1.0) / rate[k]
        nxt = t + float(rng.gamma(3.0, mean / 3.0))
        due = [s for s in start_times if t < s <= nxt]
        if due and rng.random() < cfg.aversion_prob:  # glance away as the phrase starts
            s = due[0]
            ang = rng.uniform(-0.25, 1.25) * np.pi / 2 * rng.choice([-1, 1])  # mostly sideways, some up
            amp = rng.uniform(*cfg.aversion_deg)
            target = np.array([amp * np.cos(ang), abs(amp * np.sin(ang)) * 0.6])
            events.append((s, target))
            aversion_until = s + rng.uniform(*cfg.aversion_hold_s)
            t = aversion_until
            continue
        amp = rng.uniform(*cfg.saccade_deg) * size[k]
        ang = rng.uniform(0, 2 * np.pi)
        base = pos if t < aversion_until else pos * 0.5  # drift back to the viewer after a glance
        target = base + amp * np.array([np.cos(ang), 0.6 * np.sin(ang)])
        r = np.linalg.norm(target)
        if r > 2 * cfg.spread_deg * size[k]:
            target *= 2 * cfg.spread_deg * size[k] / r
        events.append((nxt, target))
        pos, t = target, nxt
    deg = np.zeros((n_frames, 2))
    times = np.arange(n_frames) / fps
    prev = np.zeros(2)
    dur = max(cfg.saccade_s, 1.0 / fps)  # at least one frame of transition
    for when, target in sorted(events, key=lambda e: e[0]):
        u = _min_jerk((times - when) / dur)
        deg += (target - prev)[None] * u[:, None]
        prev = target
    deg += offset
    if head is not None and head.shape == (n_frames, 6):
        deg[:, 0] -= cfg.vor_gain * np.degrees(head[:, 0])
        deg[:, 1] -= cfg.vor_gain * np.degrees(head[:, 1])
    return np.radians(deg).astype(np.float32)
