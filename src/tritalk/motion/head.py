"""Head motion (v1): slow idle sway plus small nods that follow speech energy.

Sum of a few low-frequency sinusoids per axis with random phases (seeded), amplitudes of
real talking heads at rest (GRID speakers: 0.3-1 degree std), plus a pitch nod following the
smoothed loudness envelope. Smooth by construction: no frame-to-frame jitter.
"""

from __future__ import annotations

import numpy as np


def head_track(n_frames: int, fps: float, energy: np.ndarray | None = None, amount: float = 1.0,
               seed: int = 0) -> np.ndarray:
    """(T, 6) head pose: yaw, pitch, roll [rad], tx, ty, tz [cm]."""
    rng = np.random.default_rng(seed + 7919)
    t = np.arange(n_frames) / fps
    out = np.zeros((n_frames, 6), np.float32)
    amp_deg = np.array([1.6, 1.0, 0.7]) * amount  # yaw, pitch, roll
    for axis in range(3):
        freqs = rng.uniform(0.05, 0.35, 3)
        phases = rng.uniform(0, 2 * np.pi, 3)
        weights = rng.dirichlet(np.ones(3))
        wave = sum(w * np.sin(2 * np.pi * f * t + p) for w, f, p in zip(weights, freqs, phases))
        out[:, axis] = np.radians(amp_deg[axis] * wave / 0.6)
    if energy is not None and len(energy) == n_frames and n_frames > 3:
        k = max(int(fps * 0.25), 1)
        env = np.convolve(energy, np.ones(k) / k, mode="same")
        out[:, 1] -= np.radians(1.2 * amount) * (env - env.mean())  # chin dips on stressed, loud stretches
    return out
