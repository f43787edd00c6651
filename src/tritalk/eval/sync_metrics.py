"""Audio-video coupling without a learned model: audio-video offset and mouth-loudness correlation.

    loud = loudness_envelope(samples, sample_rate, fps, n_frames)   # (T,) dB per video frame
    av_offset(mouth, loud, fps)          # frames; > 0: the mouth moves after the sound (video late)
    mouth_loudness_r(mouth, loud)        # Pearson r at zero lag

``mouth`` is the per-frame mouth opening (landmark_metrics.mouth_opening). These are our own shipped
measures of synchronisation, named as such; they are not SyncNet's LSE-C / LSE-D (eval/networks.py),
which need SyncNet's weights. On real GRID video the opening follows the loudness envelope with
r ~ 0.4-0.6 and offset 0 to +2 frames (the lips open a little after the voice starts).
"""

from __future__ import annotations

import numpy as np

MAX_OFFSET_S = 0.2  # +-5 frames at 25 fps: about one syllable; a loudness envelope repeats with the syllables,
# so wider searches on 3 s clips find the neighbouring syllable (a real GRID clip read -9 frames at +-10)
MIN_MOUTH_STD = 0.005  # mouth opening [eye distances] that varies less does not move: MediaPipe's jitter on a still
# photo is ~0.001, a speaking mouth ~0.05 (real GRID clips); below this, offset and r are noise and read NaN


def loudness_envelope(samples: np.ndarray, sample_rate: int, fps: float, n_frames: int) -> np.ndarray:
    """(N,) mono audio -> (n_frames,) RMS level [dB] of the 2-frame window centred on each video frame."""
    x = np.asarray(samples, np.float64)
    hop = sample_rate / fps
    out = np.empty(n_frames)
    for t in range(n_frames):
        c = (t + 0.5) * hop
        a, b = int(max(0, c - hop)), int(min(len(x), c + hop))
        seg = x[a:b]
        out[t] = 10 * np.log10(np.mean(seg * seg) + 1e-10) if len(seg) else -100.0
    return out


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    if len(a) < 3 or a.std() < 1e-9 or b.std() < 1e-9:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def lagged_r(mouth: np.ndarray, loud: np.ndarray, lag: int) -> float:
    """r between mouth[t + lag] and loud[t]."""
    n = min(len(mouth), len(loud))
    m, l = mouth[:n], loud[:n]
    if lag >= 0:
        return pearson(m[lag:], l[: n - lag])
    return pearson(m[: n + lag], l[-lag:])


def moves(mouth: np.ndarray) -> bool:
    m = mouth[np.isfinite(mouth)]
    return len(m) > 2 and float(m.std()) >= MIN_MOUTH_STD


def av_offset(mouth: np.ndarray, loud: np.ndarray, fps: float, max_offset_s: float = MAX_OFFSET_S) -> float:
    """The lag [frames] at which the mouth opening best follows the loudness (> 0: video late); NaN when
    the mouth does not move."""
    if not moves(mouth):
        return float("nan")
    k = int(round(max_offset_s * fps))
    scores = {lag: lagged_r(mouth, loud, lag) for lag in range(-k, k + 1)}
    scores = {lag: r for lag, r in scores.items() if np.isfinite(r)}
    return float(max(scores, key=scores.get)) if scores else float("nan")


def mouth_loudness_r(mouth: np.ndarray, loud: np.ndarray) -> float:
    """Pearson r of mouth opening and loudness at zero lag; NaN when the mouth does not move."""
    return lagged_r(mouth, loud, 0) if moves(mouth) else float("nan")
