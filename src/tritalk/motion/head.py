"""Head motion (v2): speech prosody + slow idle sway, emotion-dependent, smooth by construction.

Contract: ``head_track(n_frames, fps, features=None, emotion=None, amount=1.0, seed=0)`` ->
``(T, 6) float32``: yaw, pitch, roll [rad], tx, ty, tz [cm]. Deterministic per seed.

Three layers, summed, then scaled by ``amount`` (0 = still, 1 = natural):
  * idle sway: per axis a sum of three slow sinusoids (0.05-0.35 Hz, seeded phases), the
    low-frequency drift of a person at rest;
  * nods on stressed syllables: syllable nuclei are peaks of the smoothed loudness inside
    voiced stretches; those well above the phrase's level (stressed) get a nod, a smooth
    chin-down-and-back bump (raised cosine, ~0.4 s) scaled by how much they stand out;
  * turns at phrase boundaries: at the start of each phrase (voiced stretch after a pause
    >= 0.25 s) yaw and roll move to a new small offset, reached through a raised-cosine
    ease (~0.7 s): the head settles into a new position for each phrase, as speakers do.
Emotion (track (T, 8), EMOTIONS order) scales the energy of all three layers (``energy``:
happy and angry speakers move more, sad ones less) and adds a slow posture offset (``pose_deg``:
sad head lowered, contempt chin up and tilted, surprise head back), faded in with the track.
Every layer is a smooth curve (band-limited below ~2 Hz): no frame-to-frame jitter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.signal import find_peaks

from tritalk.audio.features import AudioFeatures
from tritalk.errors import ConfigError
from tritalk.types import EMOTIONS, check_per_emotion


@dataclass(frozen=True)
class HeadConfig:
    sway_deg: tuple[float, float, float] = (1.3, 0.8, 0.5)
    """Idle sway amplitude (yaw, pitch, roll), degrees: real speakers at rest drift 0.3-1.5 deg."""
    sway_hz: tuple[float, float] = (0.05, 0.35)
    nod_deg: float = 1.6
    """Pitch of a nod on a clearly stressed syllable (chin down), degrees."""
    nod_s: float = 0.6
    """Duration of a nod (raised cosine): slow enough to be smooth at 25 fps."""
    stress_db: float = 3.0
    """A syllable peak this far above the phrase's median voiced level (dB) counts as stressed."""
    turn_deg: tuple[float, float] = (2.2, 1.2)
    """Standard deviation of the per-phrase yaw and roll offset, degrees."""
    turn_s: float = 0.7
    """Ease time into a phrase's new head position."""
    pause_s: float = 0.25
    """A voice-activity gap at least this long separates phrases."""
    energy: tuple[float, ...] = (1.0, 1.35, 0.9, 1.05, 1.15, 1.3, 0.6, 1.2)
    """Motion energy per emotion (EMOTIONS order: neutral, angry, contempt, disgusted, fearful,
    happy, sad, surprised) at full intensity."""
    pose_deg: tuple[tuple[float, float, float], ...] = (
        (0, 0, 0), (0, -2.0, 0), (-2.0, 2.5, 3.0), (-2.0, -1.0, 0), (0, -1.0, 0), (0, 1.0, 1.0),
        (0, -4.0, -1.0), (0, 2.0, 0))
    """Posture offset (yaw, pitch, roll) per emotion at full intensity, degrees (pitch > 0 = chin up)."""

    def __post_init__(self):
        check_per_emotion("head", energy=self.energy, pose_deg=self.pose_deg)


def emotion_energy(emotion: np.ndarray | None, n_frames: int, config: HeadConfig = HeadConfig()):
    """Per-frame motion energy (T,) and posture offset (T, 3) degrees, from an emotion track (T, 8)."""
    if emotion is None:
        return np.ones(n_frames), np.zeros((n_frames, 3))
    if emotion.shape != (n_frames, len(EMOTIONS)):
        raise ConfigError(f"emotion track must be ({n_frames}, {len(EMOTIONS)}), got {emotion.shape}")
    w = emotion.astype(np.float64)
    return w @ np.array(config.energy), w @ np.array(config.pose_deg, np.float64)


def phrases(vad: np.ndarray, fps: float, pause_s: float = 0.25) -> list[tuple[int, int]]:
    """[start, end) frame ranges of voiced stretches separated by pauses of at least ``pause_s``."""
    on = vad > 0.5
    out: list[list[int]] = []
    gap = int(round(pause_s * fps))
    t = 0
    n = len(on)
    while t < n:
        if not on[t]:
            t += 1
            continue
        start = t
        while t < n and on[t]:
            t += 1
        if out and start - out[-1][1] < gap:
            out[-1][1] = t  # a short gap: same phrase
        else:
            out.append([start, t])
    return [(a, b) for a, b in out if b - a >= 2]


def stressed_syllables(features: AudioFeatures, config: HeadConfig = HeadConfig()) -> tuple[np.ndarray, np.ndarray]:
    """Frames of stressed syllable nuclei and their prominence (dB above the phrase level)."""
    fps = features.fps
    loud = gaussian_filter1d(features.column("loudness").astype(np.float64), 0.04 * fps, mode="nearest")
    vad = features.column("vad")
    peaks, _ = find_peaks(loud, distance=max(1, int(0.2 * fps)))  # at most ~5 syllables per second
    frames, prom = [], []
    for a, b in phrases(vad, fps, config.pause_s):
        level = np.median(loud[a:b])
        for p in peaks[(peaks >= a) & (peaks < b)]:
            if loud[p] - level >= config.stress_db:
                frames.append(p)
                prom.append(loud[p] - level)
    return np.array(frames, int), np.array(prom, np.float64)


def _bump(n_frames: int, centre: float, width: float) -> np.ndarray:
    """Raised-cosine bump of total width ``width`` frames, peak 1 at ``centre``."""
    x = (np.arange(n_frames) - centre) / (width / 2)
    return np.where(np.abs(x) < 1, 0.5 + 0.5 * np.cos(np.pi * x), 0.0)


def _ease(steps: np.ndarray, width: float) -> np.ndarray:
    """Piecewise-constant (T,) smoothed by a raised-cosine kernel of total width ``width`` frames."""
    k = max(int(np.ceil(width / 2)), 1)
    x = np.arange(-k, k + 1) / (width / 2)
    kern = np.where(np.abs(x) <= 1, 0.5 + 0.5 * np.cos(np.pi * x), 0.0)
    kern /= kern.sum()
    return np.convolve(np.pad(steps, k, mode="edge"), kern, mode="valid")


def head_track(n_frames: int, fps: float, features: AudioFeatures | np.ndarray | None = None,
               emotion: np.ndarray | None = None, amount: float = 1.0, seed: int = 0,
               config: HeadConfig = HeadConfig()) -> np.ndarray:
    """(T, 6) head pose: yaw, pitch, roll [rad], tx, ty, tz [cm] (see module docstring)."""
    if not 0.0 <= amount <= 1.0:
        raise ConfigError(f"head motion {amount} is out of range; use a value in [0, 1]")
    cfg = config
    rng = np.random.default_rng(seed + 7919)
    t = np.arange(n_frames) / fps
    deg = np.zeros((n_frames, 3))
    for axis in range(3):  # idle sway
        freqs = rng.uniform(*cfg.sway_hz, 3)
        phases = rng.uniform(0, 2 * np.pi, 3)
        weights = rng.dirichlet(np.ones(3))
        wave = sum(w * np.sin(2 * np.pi * f * t + p) for w, f, p in zip(weights, freqs, phases))
        deg[:, axis] = cfg.sway_deg[axis] * wave / 0.6
    if isinstance(features, AudioFeatures) and len(features) == n_frames and n_frames > 3:
        frames, prom = stressed_syllables(features, cfg)
        nod = np.zeros(n_frames)
        for f, p in zip(frames, prom):
            nod += min(p / (2 * cfg.stress_db), 1.0) * _bump(n_frames, f + 1, cfg.nod_s * fps)
        nod = gaussian_filter1d(np.tanh(nod), 0.06 * fps, mode="nearest")  # overlapping nods merge, softly
        deg[:, 1] -= cfg.nod_deg * nod
        steps = np.zeros((n_frames, 2))
        for a, _ in phrases(features.column("vad"), fps, cfg.pause_s):
            steps[max(a - 2, 0):] = rng.normal(0, cfg.turn_deg)  # the head moves just before the voice
        deg[:, 0] += _ease(steps[:, 0], cfg.turn_s * fps)
        deg[:, 2] += _ease(steps[:, 1], cfg.turn_s * fps)
    elif isinstance(features, np.ndarray) and len(features) == n_frames and n_frames > 3:
        # a bare loudness envelope in [0, 1]: the chin dips on loud stretches
        env = gaussian_filter1d(features.astype(np.float64), 0.12 * fps, mode="nearest")
        deg[:, 1] -= cfg.nod_deg * 0.75 * (env - env.mean())
    energy, pose = emotion_energy(emotion, n_frames, cfg)
    deg = deg * energy[:, None] + pose
    out = np.zeros((n_frames, 6), np.float32)
    out[:, :3] = np.radians(deg * amount)
    return out
