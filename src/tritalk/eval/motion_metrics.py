"""Held-out evaluation of a speech -> mouth generator against MediaPipe measurements of real video.

    tritalk eval motion --data PREPARED [--clips ID,...] [--motion-model gm|v1|CKPT]   # evaluate_motion
    scripts/eval_motion.py: per fold, G_m against the baselines of eval/baselines.py (+ rendered, audited)

Per clip (prepared by ``tritalk prepare``), with the clip's own audio driving the generator:
  jaw_r, close_r   Pearson r between predicted and measured (above-rest) jawOpen / mouthClose
  lag_frames       lag of the best jawOpen cross-correlation in -3..+3 frames (> 0: prediction late)
  pbm_gap_ratio    inner-lip gap of the face model at /p b m/ frames / at vowel frames (0 = lips shut
                   on every bilabial); the same for the measured coefficients in ``pbm_gap_ratio_real``
  pbm_n, pbm_shut  /p b m/ phones in the clip, and how many of them have a gap < 10 % of the vowel gap
  cons_gap_ratio   the same ratio on the other consonants (false closures; ``_real``: measured)
  silence_jaw      largest predicted jawOpen in the clip's pauses (VAD < 0.2, 0.2 s from speech)
  jaw_r_<kind>     jaw_r with the audio degraded (8 kHz telephone band, 10 dB noise, 10 dB music bed)
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Sequence

import numpy as np

from tritalk.audio.features import audio_features
from tritalk.face.model import inner_lip_gap
from tritalk.motion.speech import MOUTH_TARGETS
from tritalk.training import augment
from tritalk.training.dataset import load_real
from tritalk.training.synth import rest_targets
from tritalk.types import IDX, AudioClip

logger = logging.getLogger(__name__)

VOWELS = ("AA", "EH", "IY", "OW", "W_UW")
DEGRADATIONS = ("telephone", "noise", "music")  # the jaw_r_<kind> columns


def degraded_audio(x: np.ndarray, kind: str, seed: int) -> AudioClip:
    """16 kHz speech ``x`` as the evaluation degrades it: 'telephone' (8 kHz band, training/augment.py),
    'noise' or 'music' (a bed at 10 dB SNR), 'clean' (unchanged). The same seed gives the same copy."""
    rng = np.random.default_rng(seed)
    if kind in ("noise", "music"):
        return getattr(augment, kind)(np.asarray(x, np.float64), 16000, rng, snr_db=10.0)
    return augment.degrade(x, 16000, kind, rng)


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or a.std() < 1e-9 or b.std() < 1e-9:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def best_lag(pred: np.ndarray, meas: np.ndarray, max_lag: int = 3) -> int:
    scores = {}
    for lag in range(-max_lag, max_lag + 1):
        a = pred[max(0, lag): len(pred) + min(0, lag)]
        b = meas[max(0, -lag): len(meas) + min(0, -lag)]
        scores[lag] = pearson(a, b)
    return max(scores, key=lambda k: -np.inf if np.isnan(scores[k]) else scores[k])


def lip_gap(expr: np.ndarray) -> np.ndarray:
    """(T,) inner-lip gap [cm] of the face model as rendered (``face.model.inner_lip_gap``) for (T, 52)
    coefficients above rest."""
    return inner_lip_gap(expr)


def _expand(y: np.ndarray) -> np.ndarray:
    from tritalk.arkit import expansion_matrix

    return y @ expansion_matrix(MOUTH_TARGETS)


def evaluate_clip(gen, clip: dict, kinds: Sequence[str] = DEGRADATIONS) -> dict:
    fps = clip["fps"]
    y, valid = rest_targets(clip["expr"], MOUTH_TARGETS)
    audio = AudioClip(clip["audio"], 16000)
    feats = audio_features(audio, fps, len(y))
    expr = gen.generate(feats).expr
    jaw, close = expr[:, IDX["jawOpen"]], expr[:, IDX["mouthClose"]]
    row = dict(clip=clip["id"], jaw_r=pearson(jaw[valid], y[valid, 0]), close_r=pearson(close[valid], y[valid, 1]),
               lag_frames=best_lag(jaw, y[:, 0]), jaw_p95=float(np.percentile(jaw, 95)),
               jaw_p95_real=float(np.percentile(y[:, 0], 95)))
    gap_pred, gap_real = lip_gap(expr), lip_gap(_expand(y))
    spans = clip["spans"]

    def at(cls: Sequence[str], gap: np.ndarray) -> float:
        idx = [int(((s.start + s.end) / 2) * fps) for s in spans if s.viseme in cls]
        idx = [i for i in idx if 0 <= i < len(gap)]
        return float(np.mean(gap[idx])) if idx else float("nan")

    vowel_gap = max(at(VOWELS, gap_pred), 1e-6)
    row["pbm_gap_ratio"] = at(("PBM",), gap_pred) / vowel_gap
    row["pbm_gap_ratio_real"] = at(("PBM",), gap_real) / max(at(VOWELS, gap_real), 1e-6)
    # Each /p b m/ separately: shut = gap below 10 % of the clip's mean vowel gap.
    pbm = [gap_pred[i] / vowel_gap for i in (int(((s.start + s.end) / 2) * fps) for s in spans if s.viseme == "PBM")
           if 0 <= i < len(gap_pred)]
    row["pbm_n"], row["pbm_shut"] = len(pbm), int(sum(g < 0.1 for g in pbm))
    # False closures: the same ratio on the other consonants (/t d n l k g s .../; real video ~0.5).
    others = tuple(v for v in {s.viseme for s in spans} if v not in VOWELS + ("PBM", "sil"))
    row["cons_gap_ratio"] = at(others, gap_pred) / vowel_gap
    row["cons_gap_ratio_real"] = at(others, gap_real) / max(at(VOWELS, gap_real), 1e-6)
    vad = feats.column("vad")
    speech = np.convolve(vad > 0.5, np.ones(2 * int(0.2 * fps) + 1), "same") > 0
    pause = (vad < 0.2) & ~speech
    row["silence_jaw"] = float(jaw[pause].max()) if pause.any() else float("nan")
    for i, kind in enumerate(kinds):
        deg = degraded_audio(clip["audio"], kind, seed=100 + i)
        e2 = gen.generate(audio_features(deg, fps, len(y))).expr
        row[f"jaw_r_{kind}"] = pearson(e2[valid, IDX["jawOpen"]], y[valid, 0])
    return row


def evaluate_motion(data_dir: str | Path, model: str | object = "gm", clips: Sequence[str] = ()) -> dict:
    """Rows per clip + medians. ``model``: a name/path for ``load_speech_generator`` or a generator."""
    from tritalk.motion.registry import load_speech_generator

    gen = load_speech_generator(model) if isinstance(model, str) else model
    trained_on: list[str] = []
    if isinstance(model, str) and Path(model, "train_info.json").is_file():
        trained_on = json.loads(Path(model, "train_info.json").read_text()).get("trained_on", [])
    real = load_real(data_dir)
    chosen = [c for c in real if (c["id"] in clips if clips else c["id"] not in trained_on)]
    rows = [evaluate_clip(gen, c) for c in chosen]
    keys = [k for k in rows[0] if k != "clip"] if rows else []
    median = {}
    for k in keys:
        v = np.array([r[k] for r in rows], np.float64)
        median[k] = float(np.nanmedian(v)) if np.isfinite(v).any() else float("nan")
    return dict(model=str(model), rows=rows, median=median,
                note="clips the model trained on: " + (", ".join(c["id"] for c in chosen if c["id"] in trained_on) or "none"))
