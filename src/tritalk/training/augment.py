"""Audio degradations for training and robustness checks: telephone band, noise, music beds, reverb, level.

Each function takes mono float samples at ``sr`` and a numpy Generator and returns an ``AudioClip``.
The music bed is synthesised (chords of harmonic tones, a kick and a hi-hat on a beat), so no
recording is needed; SNRs are relative to the speech's loud frames (90th percentile of 10 ms power).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal

from tritalk.types import AudioClip

KINDS = ("clean", "telephone", "noise", "music", "reverb", "quiet")


def _speech_power(x: np.ndarray, sr: int) -> float:
    frame = max(1, sr // 100)
    ms = np.convolve(x * x, np.ones(frame) / frame, "same")
    return float(np.quantile(ms, 0.9)) + 1e-12


def _mix(x: np.ndarray, bed: np.ndarray, sr: int, snr_db: float) -> np.ndarray:
    bed = bed[: x.size]
    bed = bed * math.sqrt(_speech_power(x, sr) / (np.mean(bed * bed) + 1e-12) / 10 ** (snr_db / 10))
    return x + bed


def telephone(x: np.ndarray, sr: int, rng: np.random.Generator) -> AudioClip:
    g = math.gcd(sr, 8000)
    y = signal.resample_poly(x, 8000 // g, sr // g)
    sos = signal.butter(4, [300, 3400], btype="bandpass", fs=8000, output="sos")
    y = signal.sosfilt(sos, y)
    if rng.random() < 0.5:  # mu-law-like companding artefacts: 8-bit quantisation in the log domain
        mu = 255.0
        c = np.sign(y) * np.log1p(mu * np.clip(np.abs(y), 0, 1)) / np.log1p(mu)
        c = np.round(c * 127) / 127
        y = np.sign(c) * ((1 + mu) ** np.abs(c) - 1) / mu
    return AudioClip(y.astype(np.float32), 8000)


def noise(x: np.ndarray, sr: int, rng: np.random.Generator, snr_db: float | None = None) -> AudioClip:
    snr = rng.uniform(5, 20) if snr_db is None else snr_db
    n = rng.normal(size=x.size)
    colour = rng.choice(["white", "pink", "brown", "babble"])
    if colour == "pink":
        n = signal.lfilter([1.0], [1.0, -0.9], n)
    elif colour == "brown":
        n = signal.lfilter([1.0], [1.0, -0.99], n)
    elif colour == "babble":  # speech-shaped, amplitude-modulated at syllable rate
        sos = signal.butter(2, [200, 3000], btype="bandpass", fs=sr, output="sos")
        t = np.arange(x.size) / sr
        n = signal.sosfilt(sos, n) * (1.2 + np.sin(2 * np.pi * rng.uniform(3, 6) * t + rng.uniform(0, 6)))
    return AudioClip(_mix(x, n, sr, snr).astype(np.float32), sr)


def music_bed(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / sr
    bpm = rng.uniform(80, 140)
    beat = 60.0 / bpm
    out = np.zeros(n)
    root = rng.uniform(110, 220)
    for k in range(int(math.ceil(t[-1] / (2 * beat))) + 1 if n else 0):  # a chord every two beats
        a, b = int(k * 2 * beat * sr), min(n, int((k + 1) * 2 * beat * sr))
        if a >= n:
            break
        degree = rng.choice([0, 3, 5, 7, 8, 10])
        tt = t[a:b] - t[a]
        env = np.exp(-tt * rng.uniform(0.5, 3))
        for semis in (0, 4 if rng.random() < 0.5 else 3, 7):
            f = root * 2 ** ((degree + semis) / 12)
            for h in range(1, 6):
                out[a:b] += env * np.sin(2 * np.pi * f * h * tt) / h ** 1.5
    for k in range(int(t[-1] / beat) + 1 if n else 0):  # kick on every beat, hat on the off-beat
        a = int(k * beat * sr)
        m = min(n - a, int(0.15 * sr))
        if m > 0:
            tt = np.arange(m) / sr
            out[a:a + m] += 2.0 * np.sin(2 * np.pi * (60 + 80 * np.exp(-tt * 30)) * tt) * np.exp(-tt * 20)
        h = int((k + 0.5) * beat * sr)
        m = min(n - h, int(0.05 * sr))
        if m > 0:
            out[h:h + m] += 0.3 * rng.normal(size=m) * np.exp(-np.arange(m) / sr * 80)
    return out


def music(x: np.ndarray, sr: int, rng: np.random.Generator, snr_db: float | None = None) -> AudioClip:
    snr = rng.uniform(3, 15) if snr_db is None else snr_db
    return AudioClip(_mix(x, music_bed(x.size, sr, rng), sr, snr).astype(np.float32), sr)


def reverb(x: np.ndarray, sr: int, rng: np.random.Generator) -> AudioClip:
    rt60 = rng.uniform(0.2, 0.8)
    n = int(rt60 * sr)
    ir = rng.normal(size=n) * np.exp(-6.9 * np.arange(n) / n)
    ir[0] = 1.0 / rng.uniform(0.2, 0.6)  # direct path
    y = signal.fftconvolve(x, ir)[: x.size]
    return AudioClip((y / (np.max(np.abs(y)) + 1e-9) * np.max(np.abs(x))).astype(np.float32), sr)


def degrade(x: np.ndarray, sr: int, kind: str, rng: np.random.Generator) -> AudioClip:
    x = np.asarray(x, np.float64)
    if kind == "clean":
        return AudioClip(x.astype(np.float32), sr)
    if kind == "telephone":
        return telephone(x, sr, rng)
    if kind == "noise":
        return noise(x, sr, rng)
    if kind == "music":
        return music(x, sr, rng)
    if kind == "reverb":
        return reverb(x, sr, rng)
    if kind == "quiet":
        return AudioClip((x * 10 ** (rng.uniform(-40, -20) / 20)).astype(np.float32), sr)
    raise ValueError(f"unknown degradation '{kind}'; choose one of {KINDS}")
