"""What G_m is compared with: a still mouth, and the v1 ridge map (motion/speech.py) refitted on given clips.

    clips = [measure_clip(v) for v in sorted(Path("videos").glob("*.mp4"))]   # or prepared clips (16 kHz)
    SpeechMotion(SpeechMotionConfig(), fit_v1(clips, alpha=30.0))             # v1 that saw only these clips
    StillMouth()                                                              # control: no mouth motion

``fit_v1`` is the recipe of the shipped ``assets/motion/speech_v1.npz`` (scripts/fit_speech_v1.py fits
it on all dev clips); scripts/eval_motion.py refits it per fold so v1 never sees the held-out clips.
  clips    ``measure_clip``: the video's blendshapes (face/track.py) and its audio at the file's own
           sample rate (the degraded copies below depend on the rate; the shipped fit used it)
  targets  per clip and channel, the measured coefficient minus the clip's 10th percentile (the
           speaker's rest), clipped at 0; Left/Right pairs averaged (training/synth.py rest_targets)
  fit      ridge regression from ``design_matrix`` (descriptors at -80..+80 ms) on the frames in and
           around speech, on each clip's audio plus two degraded copies (8 kHz telephone band, pinkish
           noise at 15 dB SNR: ``v1_degrade``) so the map does not depend on the channel; then an affine
           recalibration per target so the prediction's median and 90th percentile on those frames
           match the measured ones (ridge shrinks the spread).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Sequence

import numpy as np
from scipy import signal

from tritalk.audio.features import audio_features
from tritalk.face.track import measure_video
from tritalk.io.audio import load_audio
from tritalk.motion.speech import BASE_NAMES, MOUTH_TARGETS, SpeechWeights, design_matrix
from tritalk.training.synth import rest_targets
from tritalk.types import N_EXPR, AudioClip, Motion

logger = logging.getLogger(__name__)

V1_LAGS_S = (-0.08, -0.04, 0.0, 0.04, 0.08)  # +-2 frames at 25 fps; wider windows did not help leave-one-out
V1_SPEECH_DILATE_S = 0.12  # fit on frames within this of voice activity (the mouth prepares / releases)


class StillMouth:
    """Control: the mouth never moves (blinks and head motion still come from the pipeline)."""

    name = "still"

    def generate(self, features, seed: int = 0) -> Motion:
        n = len(features)
        return Motion(np.zeros((n, N_EXPR), np.float32), np.zeros((n, 6), np.float32),
                      np.zeros((n, 2), np.float32), features.fps)


def measure_clip(video: str | Path) -> dict:
    """A talking-face video as the v1 fit reads it: id (the file stem), expr (T, 52) measured blendshapes
    (NaN rows: no face), audio (N,) mono float32 at the file's own rate sr [Hz], fps."""
    import av

    track = measure_video(video)
    with av.open(str(video)) as c:
        sr = c.streams.audio[0].sample_rate if c.streams.audio else 16000  # no audio: load_audio says so
    audio = load_audio(video, sample_rate=sr)
    return dict(id=Path(video).stem, expr=track.expr, audio=audio.samples, sr=audio.sample_rate, fps=track.fps)


def v1_degrade(audio: np.ndarray, sr: int, kind: str, seed: int = 0) -> AudioClip:
    """The v1 fit's degraded copies: 'telephone' (300-3400 Hz, 8 kHz), 'noise' (15 dB SNR), 'quiet' (-30 dB).

    Older than training/augment.py and kept as it was, so a refit reproduces the shipped weights."""
    x = audio.astype(np.float64)
    if kind == "clean":
        return AudioClip(x.astype(np.float32), sr)
    if kind == "telephone":
        g = math.gcd(sr, 8000)
        y = signal.resample_poly(x, 8000 // g, sr // g)
        sos = signal.butter(4, [300, 3400], btype="bandpass", fs=8000, output="sos")
        y = signal.sosfilt(sos, y)
        y = np.round(y * 32767) / 32767  # 16-bit quantisation
        return AudioClip(y.astype(np.float32), 8000)
    if kind == "noise":
        rng = np.random.default_rng(seed)
        n = rng.normal(size=x.shape)
        n = signal.lfilter([1.0], [1.0, -0.9], n)  # pinkish: more energy low, like room/fan noise
        frame = max(1, sr // 100)
        ms = np.convolve(x * x, np.ones(frame) / frame, "same")
        speech_pow = np.quantile(ms, 0.9)
        n *= np.sqrt(speech_pow / np.mean(n * n) / 10 ** (15 / 10))
        return AudioClip((x + n).astype(np.float32), sr)
    if kind == "quiet":
        return AudioClip((x * 10 ** (-30 / 20)).astype(np.float32), sr)
    raise ValueError(f"unknown degradation '{kind}'; choose clean, telephone, noise or quiet")


def v1_targets(expr: np.ndarray) -> np.ndarray:
    """(T, 52) measured coefficients (NaN rows: no face) -> (T, K) targets above rest, MOUTH_TARGETS order."""
    return rest_targets(expr, MOUTH_TARGETS)[0]


def speech_mask(vad: np.ndarray, fps: float) -> np.ndarray:
    """(T,) bool: frames within V1_SPEECH_DILATE_S of voice activity (vad > 0.5)."""
    half = int(round(V1_SPEECH_DILATE_S * fps))
    return np.convolve(vad > 0.5, np.ones(2 * half + 1), "same") > 0


def fit_v1(clips: Sequence[dict], alpha: float = 30.0,
           kinds: Sequence[str] = ("clean", "telephone", "noise")) -> SpeechWeights:
    """Ridge map of the v1 speech model fitted on clips: dicts with id, expr (T, 52), audio, sr (16000 if
    absent, as in clips prepared by ``tritalk prepare``) and fps (``measure_clip``)."""
    xs, ys = [], []
    for c in clips:
        y = v1_targets(c["expr"])
        for i, kind in enumerate(kinds):
            feats = audio_features(v1_degrade(c["audio"], c.get("sr", 16000), kind, seed=i), c["fps"], n_frames=len(y))
            m = speech_mask(feats.column("vad"), c["fps"])
            xs.append(design_matrix(feats, V1_LAGS_S)[m])
            ys.append(y[m])
    x, y = np.concatenate(xs), np.concatenate(ys)  # (N, P), (N, K)
    # Standardise columns so one alpha fits all; the bias is not penalised.
    mu, sd = x[:, :-1].mean(axis=0), x[:, :-1].std(axis=0) + 1e-6
    xz = np.concatenate([(x[:, :-1] - mu) / sd, np.ones((len(x), 1))], axis=1)
    reg = alpha * np.eye(xz.shape[1])
    reg[-1, -1] = 0.0
    wz = np.linalg.solve(xz.T @ xz + reg, xz.T @ y)  # (P, K)
    w = np.concatenate([wz[:-1] / sd[:, None], wz[-1:] - (mu / sd) @ wz[:-1]], axis=0)
    # Affine recalibration: map the prediction's median and 90th percentile on the fitted
    # frames onto the measured ones. Ridge shrinks the spread; matching quantiles rather than
    # the standard deviation keeps spiky channels (mouthPucker: median 0.01, p95 0.44 on GRID)
    # from being pushed up all the time.
    p = x @ w
    qy, qp = np.percentile(y, [50, 90], axis=0), np.percentile(p, [50, 90], axis=0)  # (2, K)
    scale = np.clip((qy[1] - qy[0]) / np.maximum(qp[1] - qp[0], 1e-9), 0.0, 5.0)
    shift = qy[0] - scale * qp[0]
    w = w * scale[None]
    w[-1] += shift
    logger.info("v1 fitted on %d clips, %d frames (alpha %g)", len(clips), len(x), alpha)
    return SpeechWeights(w, MOUTH_TARGETS, V1_LAGS_S, BASE_NAMES,
                         dict(alpha=alpha, n_frames=int(len(x)), clips=[c["id"] for c in clips],
                              augment=list(kinds), lags_s=list(V1_LAGS_S), rest="per-clip 10th percentile"))
