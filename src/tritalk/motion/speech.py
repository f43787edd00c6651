"""SpeechMotion: the v1 audio -> mouth generator (no neural net), calibrated on real video.

Contract: ``SpeechMotion().generate(features, seed=0) -> Motion`` takes ``AudioFeatures``
(``tritalk.audio.features``) at any fps and returns a ``Motion`` of the same length and fps.
Only mouth and jaw channels are written (``MOUTH_TARGETS`` and their Left/Right pairs), all
in [0, 1]; every other channel, ``head`` and ``gaze`` are zero (blinks: ``motion/blink.py``;
head pose: ``motion/head.py``). The model is deterministic; ``seed`` is accepted for the
generator interface and changes nothing.

How it predicts, per frame t:
  1. a design row: 14 per-frame audio descriptors (denoised level, voice activity, seven
     log-energy groups of the 300-3800 Hz telephone band, formant-region and spectral
     centroids, zero-crossing rate, onset flux; the spectral ones relative to the clip's
     voiced mean) read at lags of -80..+80 ms (interpolated, so the context is the same in
     seconds at any fps), plus a bias;
  2. a ridge regression per target to the MediaPipe blendshapes measured on real GRID
     talking-face video (``scripts/fit_speech_v1.py``; weights in
     ``assets/motion/speech_v1.npz``), rescaled so the prediction spread matches the
     measured one (ridge alone shrinks it);
  3. gating by voice activity (the mouth is at rest in silence), partial lip closure on
     short in-speech energy gaps (bilabial-like stop closures), Gaussian smoothing of
     ~30 ms (removes frame jitter, keeps the 3-6 Hz syllable rhythm), clipping to [0, 1].

Targets are "above the speaker's rest": MediaPipe reads closed mouths as jawOpen ~0.02-0.1,
so each clip's 10th percentile was subtracted before fitting, and 0 means neutral.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter1d, maximum_filter1d

from tritalk.arkit import shape_columns
from tritalk.audio.features import AudioFeatures
from tritalk.errors import ConfigError, WeightsError
from tritalk.types import IDX, N_EXPR, Motion

logger = logging.getLogger(__name__)

# Predicted channels. A name without Left/Right that is not itself an ARKit name stands for
# the symmetric pair (fitted on the mean of both sides, written to both).
MOUTH_TARGETS: tuple[str, ...] = (
    "jawOpen", "mouthClose", "mouthFunnel", "mouthPucker", "mouthRollLower", "mouthRollUpper",
    "mouthPress", "mouthStretch", "mouthLowerDown", "mouthUpperUp", "mouthShrugLower",
    "mouthShrugUpper",
)

BASE_NAMES: tuple[str, ...] = (
    "level", "level_sq", "vad", "band_0", "band_1", "band_2", "band_3", "band_4", "band_5",
    "band_6", "f2_region", "centroid", "zcr", "flux",
)
# Mel bands 3..23 (~300-3800 Hz): the telephone band, so 8 kHz audio reads like studio audio.
BAND_GROUPS: tuple[tuple[int, int], ...] = tuple((3 + 3 * g, 6 + 3 * g) for g in range(7))


def base_descriptors(features: AudioFeatures) -> np.ndarray:
    """(T, len(BASE_NAMES)) per-frame descriptors, each roughly in [-1, 1], 0-ish in silence."""
    vad = features.column("vad").astype(np.float64)  # (T,)
    level = (features.column("loudness_dn") + 60.0) / 60.0  # (T,) 0 = silence, 1 = loud frames
    mel = np.stack([features.column(f"mel_{i:02d}") for i in range(24)], axis=1)  # (T, 24) dB
    shape = np.stack([*[(mel[:, lo:hi].mean(axis=1) + 60.0) / 60.0 for lo, hi in BAND_GROUPS],
                      features.column("f2_proxy"), features.column("centroid"), features.column("zcr")],
                     axis=1).astype(np.float64)  # (T, 10)
    # Spectral shape relative to the clip's own voiced mean (as cepstral mean normalisation):
    # removes the speaker's timbre and the channel (telephone band, microphone tilt), which six
    # training speakers cannot teach the model to ignore. Gated by voice: shape means nothing in silence.
    mean = (vad @ shape) / (vad.sum() + 1e-6)  # (10,)
    shape = (shape - mean[None]) * vad[:, None]
    cols = [level[:, None], level[:, None] ** 2, vad[:, None], shape, features.column("flux")[:, None] / 10.0]
    return np.concatenate(cols, axis=1)


def design_matrix(features: AudioFeatures, lags_s: tuple[float, ...]) -> np.ndarray:
    """(T, len(BASE_NAMES) * len(lags_s) + 1): descriptors at t + lag (seconds), then a bias column.

    Lags are read by linear interpolation on the frame grid, held at the ends, so the same
    weights serve 25, 30 or 60 fps.
    """
    base = base_descriptors(features)  # (T, B)
    n = base.shape[0]
    t = np.arange(n, dtype=np.float64)
    blocks = []
    for lag in lags_s:
        tq = np.clip(t + lag * features.fps, 0, max(n - 1, 0))
        i0 = np.floor(tq).astype(np.int64)
        i1 = np.minimum(i0 + 1, max(n - 1, 0))
        w = (tq - i0)[:, None]
        blocks.append(base[i0] * (1.0 - w) + base[i1] * w if n else base)
    return np.concatenate([*blocks, np.ones((n, 1))], axis=1)


@dataclass(frozen=True)
class SpeechWeights:
    """The fitted linear map of ``scripts/fit_speech_v1.py``."""

    weights: np.ndarray  # (P, K) float: design row -> target values (recalibration folded in)
    targets: tuple[str, ...]  # K target names (see MOUTH_TARGETS)
    lags_s: tuple[float, ...]  # design lags [s]
    base_names: tuple[str, ...]  # must equal BASE_NAMES
    info: dict  # fit provenance: clips, alpha, leave-one-clip-out scores

    def __post_init__(self):
        p = len(self.base_names) * len(self.lags_s) + 1
        if self.weights.shape != (p, len(self.targets)):
            raise WeightsError(f"speech weights must be ({p}, {len(self.targets)}), got {self.weights.shape}; "
                               "refit with scripts/fit_speech_v1.py")
        if tuple(self.base_names) != BASE_NAMES:
            raise WeightsError("speech weights were fitted on other audio descriptors; refit with scripts/fit_speech_v1.py")

    def save(self, path: Path) -> None:
        np.savez(path, weights=self.weights.astype(np.float32), targets=np.array(self.targets),
                 lags_s=np.array(self.lags_s, np.float64), base_names=np.array(self.base_names),
                 info=np.array(json.dumps(self.info)))

    @classmethod
    def load(cls, path: Path | str) -> "SpeechWeights":
        path = Path(path)
        if not path.is_file():
            raise WeightsError(f"speech motion weights not found at {path}; reinstall tritalk or run scripts/fit_speech_v1.py")
        try:
            with np.load(path, allow_pickle=False) as d:
                return cls(d["weights"].astype(np.float64), tuple(str(s) for s in d["targets"]),
                           tuple(float(v) for v in d["lags_s"]), tuple(str(s) for s in d["base_names"]),
                           json.loads(str(d["info"])))
        except (KeyError, ValueError, OSError) as e:
            raise WeightsError(f"speech motion weights at {path} are malformed ({e}); refit with scripts/fit_speech_v1.py") from None


def default_weights_path() -> Path:
    return Path(str(resources.files("tritalk") / "assets" / "motion" / "speech_v1.npz"))


@functools.lru_cache(maxsize=4)
def _load_cached(path: str) -> SpeechWeights:
    return SpeechWeights.load(path)


@dataclass(frozen=True)
class SpeechMotionConfig:
    jaw_gain: float = 1.3
    """MediaPipe under-reads jaw opening on GRID's small faces (rest-subtracted peaks ~0.2-0.35);
    1.3 puts typical speech peaks at ~0.35-0.5, a clearly moving but not gaping mouth."""
    shape_gain: float = 1.0
    """Gain of the other mouth channels."""
    gate_on: tuple[float, float] = (0.3, 0.7)
    """VAD range mapped to gate 0 -> 1: below 0.3 the mouth is at rest, above 0.7 fully driven."""
    smooth_s: float = 0.03
    """Gaussian sigma. At 30 ms a 5 Hz syllable keeps ~70 % of its amplitude; frame jitter goes."""
    closure_depth_db: tuple[float, float] = (8.0, 20.0)
    """An in-speech dip this far below the +-100 ms local peak maps to lip closure 0 -> 1."""
    closure_window_s: float = 0.2
    """Local-peak window; gaps longer than about half of it are pauses, not stop closures."""
    closure_strength: float = 0.8
    """How far a full closure brings the lips together (mouthClose = strength * jawOpen; 1 = touching)."""
    closure_jaw_drop: float = 0.4
    """Share of jawOpen removed at a full closure: the jaw rises for /p b m/ too."""
    closure_press: float = 0.25
    """mouthPress at a full closure: lips pressed, as MediaPipe measures on GRID's /b p/ (p90 ~0.15-0.3)."""
    lip_part_from_jaw: float = 0.15
    """mouthLowerDown/UpperUp floor as a share of jawOpen: MediaPipe barely reports them on GRID,
    but real open vowels show the teeth; a small share keeps the inner mouth visible."""

    def __post_init__(self):
        if self.jaw_gain < 0 or self.shape_gain < 0:
            raise ConfigError(f"gains must be >= 0, got jaw_gain={self.jaw_gain}, shape_gain={self.shape_gain}")
        for name in ("gate_on", "closure_depth_db"):
            lo, hi = getattr(self, name)
            if not lo < hi:
                raise ConfigError(f"{name} must be (low, high) with low < high, got {(lo, hi)}")
        for name in ("closure_strength", "closure_jaw_drop", "closure_press", "lip_part_from_jaw"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"{name} must be in [0, 1], got {getattr(self, name)}")


class SpeechMotion:
    """v1 speech -> mouth generator (linear, fitted on real talking-face video)."""

    name = "speech_v1"

    def __init__(self, config: SpeechMotionConfig = SpeechMotionConfig(), weights: SpeechWeights | None = None):
        self.config = config
        self.weights = weights if weights is not None else _load_cached(str(default_weights_path()))

    def generate(self, features: AudioFeatures, seed: int = 0) -> Motion:
        """Mouth animation for ``features``: a Motion with len(features) frames at features.fps."""
        del seed  # deterministic; kept for the generator interface
        cfg, w = self.config, self.weights
        n = len(features)
        expr = np.zeros((n, N_EXPR), np.float32)  # (T, 52)
        if n == 0:
            return Motion(expr, np.zeros((0, 6), np.float32), np.zeros((0, 2), np.float32), features.fps)
        fps = features.fps

        pred = design_matrix(features, w.lags_s) @ w.weights  # (T, K) raw fitted values
        pred = np.clip(pred, 0.0, None)
        col = {t: k for k, t in enumerate(w.targets)}
        gains = np.array([cfg.jaw_gain if t == "jawOpen" else cfg.shape_gain for t in w.targets])
        pred *= gains[None]

        # Silence -> rest. Smoothing after the gate lets the mouth settle instead of snapping shut.
        vad = features.column("vad").astype(np.float64)
        lo, hi = cfg.gate_on
        gate = np.clip((vad - lo) / (hi - lo), 0.0, 1.0)  # (T,)
        pred *= gate[:, None]
        sigma = cfg.smooth_s * fps
        if sigma > 0.3:
            pred = gaussian_filter1d(pred, sigma, axis=0, mode="nearest")

        closure = self._closure(features) * gate  # (T,) in [0, 1]
        jaw = pred[:, col["jawOpen"]] if "jawOpen" in col else np.zeros(n)
        if "jawOpen" in col:
            pred[:, col["jawOpen"]] = jaw * (1.0 - cfg.closure_jaw_drop * closure)
            jaw = pred[:, col["jawOpen"]]
        if "mouthClose" in col:
            k = col["mouthClose"]
            pred[:, k] = np.maximum(pred[:, k], cfg.closure_strength * closure * jaw)
        if "mouthPress" in col:
            k = col["mouthPress"]
            pred[:, k] = np.maximum(pred[:, k], cfg.closure_press * closure)
        if "mouthClose" in col:  # mouthClose > jawOpen pushes the lips through each other
            pred[:, col["mouthClose"]] = np.minimum(pred[:, col["mouthClose"]], jaw)
        for name in ("mouthLowerDown", "mouthUpperUp"):
            if name in col:
                k = col[name]
                pred[:, k] = np.maximum(pred[:, k], cfg.lip_part_from_jaw * jaw * (1.0 - closure))

        pred = np.clip(pred, 0.0, 1.0)
        for k, target in enumerate(w.targets):
            for c in shape_columns(target):
                expr[:, c] = pred[:, k]
        logger.debug("speech motion: %d frames, jawOpen mean %.3f max %.3f", n,
                     float(expr[:, IDX["jawOpen"]].mean()), float(expr[:, IDX["jawOpen"]].max()))
        return Motion(expr, np.zeros((n, 6), np.float32), np.zeros((n, 2), np.float32), fps)

    def _closure(self, features: AudioFeatures) -> np.ndarray:
        """(T,) in [0, 1]: short, deep energy dips inside speech (stop closures, /p b m/-like)."""
        cfg = self.config
        level = features.column("loudness_dn").astype(np.float64)  # (T,) dB re loud frames
        width = max(3, int(round(cfg.closure_window_s * features.fps)) | 1)
        peak = maximum_filter1d(level, size=width, mode="nearest")
        depth = peak - level
        lo, hi = cfg.closure_depth_db
        c = np.clip((depth - lo) / (hi - lo), 0.0, 1.0)
        # Inside speech only: voiced on both sides within the window.
        vad = features.column("vad").astype(np.float64)
        half = width // 2
        left = np.concatenate([np.full(half, vad[0]), vad])[: len(vad)]
        right = np.concatenate([vad, np.full(half, vad[-1])])[half:]
        return c * np.minimum(left, right)
