"""Emotion (v2): an emotion track blended into the speech motion, per face region, so the lips stay
speech-driven.

Per frame t, with the emotion track ``W (T, 8)`` (motion/emotion_timeline.py) and the intensity-1
prototypes ``P (8, 52)`` (hand-tuned, motion/emotion_prototypes.py, or learned, motion/emotion_stats.py):
  1. The emotional expression ``E = W @ P``.
  2. Blending with the speech mouth, per region (``REGION``):
       * ``free`` (brows, lids, cheeks, nose, mouth corners): added as they are;
       * ``lips`` (lip closure, pressing, rolling, rounding, chin raise): emotion only at rest,
         fading out while the mouth speaks (a pressed angry mouth still opens for each syllable);
       * ``opening`` (jaw, lip raise/lower): a small rest opening that the speech opening
         replaces (max, never a sum), plus "jaw tension" while speaking (``SPEAKING``,
         ``JAW_GAIN``): extra lip parting scaled by how much the mouth speaks (a happy speaker
         shows the teeth, an angry one drops the lower lip off them) and a gain >= 1 on the speech jaw and its
         closures (a surprised speaker opens wider). In pauses the lips still meet, and the
         speech rhythm (which frames open, which close) is the speech model's.
       * where the voice is silent (the loudness track, between words and in pauses) the lip
         parting the emotion adds relaxes back to the speech mouth with mouthClose: bared teeth or
         a dropped jaw show while speaking, the lips close between words, brows and eyes stay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter1d

from tritalk.arkit import shape_vector
from tritalk.errors import ConfigError
from tritalk.face.model import inner_lip_gap_weights
from tritalk.motion.emotion_prototypes import JAW_GAIN, SPEAKING, prototype
from tritalk.motion.emotion_stats import EmotionStats
from tritalk.motion.emotion_timeline import TRANSITION_S, emotion_track
from tritalk.types import BLENDSHAPES, EMOTIONS, IDX, N_EXPR, EmotionSpec, EmotionTimeline

LIP_SHAPES: tuple[str, ...] = (
    "mouthClose", "mouthFunnel", "mouthPucker", "mouthRollLower", "mouthRollUpper", "mouthShrugLower",
    "mouthShrugUpper", "mouthPressLeft", "mouthPressRight",
)
OPENING_SHAPES: tuple[str, ...] = (
    "jawOpen", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft", "mouthUpperUpRight",
)
REGION: dict[str, str] = {n: "lips" if n in LIP_SHAPES else "opening" if n in OPENING_SHAPES else "free"
                          for n in BLENDSHAPES}


@dataclass(frozen=True)
class EmotionConfig:
    speaking_jaw: float = 0.12
    """Speech jawOpen at which the mouth counts as fully speaking (rest-only lip shapes are gone)."""
    speaking_smooth_s: float = 0.06
    """Smoothing of the speaking weight, so rest-only shapes fade in and out between syllables."""
    transition_s: float = TRANSITION_S
    """Default cross-fade between timeline segments (raised cosine)."""
    silent_db: float = -30.0
    """Loudness [dB re the clip's loud frames] at and below which the voice counts as silent."""
    voiced_db: float = -18.0
    """... and from which it counts as fully voiced (the emotion's lip parting is all kept)."""
    silent_keep: float = 0.0
    """Share of the emotion's added lip parting kept in silence."""
    voice_smooth_s: float = 0.08
    """Smoothing (Gaussian sigma, s) of the voiced/silent weight that relaxes the emotion's lip parting."""

    def __post_init__(self):
        if not (np.isfinite(self.voice_smooth_s) and self.voice_smooth_s >= 0):
            raise ConfigError(f"voice_smooth_s must be a finite number >= 0, got {self.voice_smooth_s}")
        if not self.silent_db < self.voiced_db:
            raise ConfigError(f"silent_db ({self.silent_db}) must be below voiced_db ({self.voiced_db})")
        if not 0.0 <= self.silent_keep <= 1.0:
            raise ConfigError(f"silent_keep must be in [0, 1], got {self.silent_keep}")


@dataclass(frozen=True)
class EmotionModel:
    """Rest prototypes (8, 52), speaking extras (8, 52), jaw gains (8,) and the blending rules."""

    prototypes: np.ndarray  # (8, 52) float32, intensity-1 offsets per emotion
    speaking: np.ndarray  # (8, 52) float32, extra lip parting while the mouth speaks (opening channels)
    jaw_gain: np.ndarray  # (8,) float32, >= 1: factor on the speech jaw (and its lip closures)
    config: EmotionConfig = field(default_factory=EmotionConfig)
    source: str = "hand-tuned FACS prototypes"

    def __post_init__(self):
        n = len(EMOTIONS)
        if self.prototypes.shape != (n, N_EXPR) or self.speaking.shape != (n, N_EXPR) or self.jaw_gain.shape != (n,):
            raise ConfigError(f"emotion model arrays must be ({n}, {N_EXPR}), ({n}, {N_EXPR}), ({n},)")
        if np.any(self.jaw_gain < 1.0):
            raise ConfigError("jaw gains must be >= 1: an emotion never damps the speech mouth")
        if np.any(self.speaking[:, [IDX[c] for c in BLENDSHAPES if c not in OPENING_SHAPES]] != 0):
            raise ConfigError(f"speaking extras may only open the mouth ({', '.join(OPENING_SHAPES)})")

    @classmethod
    def default(cls) -> "EmotionModel":
        return cls(np.stack([prototype(e) for e in EMOTIONS]), np.stack([shape_vector(SPEAKING[e]) for e in EMOTIONS]),
                   np.array([JAW_GAIN[e] for e in EMOTIONS], np.float32))

    @classmethod
    def from_stats(cls, stats: EmotionStats | str | Path, level: float = 1.0) -> "EmotionModel":
        """Prototypes learned from data: each emotion's mean offset (``level`` x the measured mean is
        intensity 1). The opening channels of the mean (measured on talking faces, so they mix rest
        and speech) become speaking extras; emotions without data keep the hand-tuned values."""
        if not isinstance(stats, EmotionStats):
            stats = EmotionStats.load(stats)
        base = cls.default()
        protos, speaking = base.prototypes.copy(), base.speaking.copy()
        opening = [IDX[n] for n in OPENING_SHAPES]
        for k, e in enumerate(EMOTIONS):
            if e != "neutral" and stats.count[k] > 0:
                m = stats.mean[k] * level
                protos[k] = m
                protos[k, opening] = 0.0
                speaking[k] = 0.0
                speaking[k, opening] = np.clip(m[opening], 0.0, None)
        return cls(protos, speaking, base.jaw_gain, base.config,
                   source=f"learned statistics ({int(stats.count.sum())} frames)")

    def expression(self, track: np.ndarray) -> np.ndarray:
        """(T, 52) emotional rest expression (before blending with speech) for an emotion track (T, 8)."""
        return (track @ self.prototypes).astype(np.float32)

    def speaking_weight(self, speech_expr: np.ndarray, fps: float) -> np.ndarray:
        """(T,) in [0, 1]: how much the mouth speaks (speech jawOpen, lightly smoothed)."""
        cfg = self.config
        jaw = speech_expr[:, IDX["jawOpen"]].astype(np.float64)
        speaking = np.clip(jaw / cfg.speaking_jaw, 0.0, 1.0)
        if cfg.speaking_smooth_s * fps > 0.3:
            speaking = np.clip(gaussian_filter1d(speaking, cfg.speaking_smooth_s * fps, mode="nearest"), 0, 1)
        return speaking

    def offsets(self, track: np.ndarray, speech_expr: np.ndarray, fps: float,
                loudness: np.ndarray | None = None, lip_closure: np.ndarray | None = None) -> np.ndarray:
        """(T, 52) offsets to ADD to the speech expression (T, 52) so the sum shows the emotion
        with speech-driven lips (module docstring, step 3). With ``loudness`` (T,) [dB re the clip's
        loud frames, ``AudioFeatures.column("loudness")``] the lip parting the emotion adds relaxes
        where the voice is silent (``_relax_in_silence``); with ``lip_closure`` (T,) (``Motion.lip_closure``
        of the speech model: /p b m/) it is taken back there too, so the lips still meet on bilabials."""
        emo = self.expression(track).astype(np.float64)  # (T, 52)
        speaking = self.speaking_weight(speech_expr, fps)  # (T,)
        out = emo.copy()
        lips = [IDX[n] for n in LIP_SHAPES]
        out[:, lips] *= (1.0 - speaking)[:, None]
        extra = (track @ self.speaking) * speaking[:, None]  # (T, 52), opening channels only
        gain = track @ (self.jaw_gain - 1.0)  # (T,) extra share of the speech jaw
        for name in OPENING_SHAPES:
            c = IDX[name]
            s = speech_expr[:, c].astype(np.float64)
            # the rest opening gives way to the speech opening (max, not sum); the extras ride on top
            out[:, c] = np.maximum(s, emo[:, c]) - s + extra[:, c]
        jaw, close = IDX["jawOpen"], IDX["mouthClose"]
        out[:, jaw] += gain * speech_expr[:, jaw]
        out[:, close] += gain * speech_expr[:, close]  # closures still close on the wider jaw
        if loudness is not None or lip_closure is not None:
            out = self._relax_in_silence(out, speech_expr, loudness, lip_closure, fps)
        return out.astype(np.float32)

    def _relax_in_silence(self, out: np.ndarray, speech_expr: np.ndarray, loudness: np.ndarray | None,
                          lip_closure: np.ndarray | None, fps: float) -> np.ndarray:
        """Where the voice is silent (gaps between words, pauses) the lips relax towards the speech
        mouth: of the inner-lip gap the emotion adds, only ``silent_keep`` stays at ``silent_db`` and
        below (all of it from ``voiced_db`` up); mouthClose takes the rest back. The rest of the face
        keeps the emotion."""
        cfg = self.config
        keep = np.ones(len(speech_expr))
        if loudness is not None:
            voice = np.clip((np.asarray(loudness, np.float64) - cfg.silent_db) / (cfg.voiced_db - cfg.silent_db),
                            0.0, 1.0)
            voice = gaussian_filter1d(voice, max(cfg.voice_smooth_s * fps, 0.5), mode="nearest")
            keep = cfg.silent_keep + (1.0 - cfg.silent_keep) * voice
        if lip_closure is not None:  # the speech model shut the lips (/p b m/): so does the emotion
            keep = keep * (1.0 - np.clip(np.asarray(lip_closure, np.float64), 0.0, 1.0))
        w = inner_lip_gap_weights().astype(np.float64)  # (52,) cm per unit, as rendered
        speech = speech_expr.astype(np.float64)
        added = np.clip(np.clip(speech + out, 0.0, 1.0) @ w, 0.0, None) - np.clip(speech @ w, 0.0, None)
        close = IDX["mouthClose"]
        out[:, close] += np.clip(added, 0.0, None) * (1.0 - keep) / -w[close]
        return out


def emotion_offsets(spec: EmotionSpec | EmotionTimeline, speech_expr: np.ndarray, fps: float = 25.0,
                    model: EmotionModel | None = None) -> np.ndarray:
    """(T, 52) expression offsets of an emotion (or timeline) over the frames of ``speech_expr`` (T, 52)."""
    model = model or EmotionModel.default()
    track = emotion_track(spec, speech_expr.shape[0], fps)
    return model.offsets(track, speech_expr, fps)
