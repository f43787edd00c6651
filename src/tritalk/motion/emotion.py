"""Emotion (v2): the 8 MEAD emotions as whole-face FACS prototypes on ARKit shapes, over time.

What it does, per frame t:
  1. An emotion track ``W (T, 8)``: the weight of each MEAD emotion (intensity x mixture
     weight), from one ``EmotionSpec`` (constant) or an ``EmotionTimeline`` (segments joined by
     raised-cosine cross-fades of ``transition_s``: no step, no kink).
  2. The emotional expression ``E = W @ P``, ``P (8, 52)`` one prototype per emotion at
     intensity 1: hand-tuned FACS prototypes (Ekman & Friesen's EMFACS, e.g. happy = AU6 cheek
     raiser + AU12 lip-corner puller + AU25 lips part), or per-emotion means learned from
     emotional video (``EmotionStats``, e.g. a MEAD-layout dataset; see ``fit_emotion_stats``).
  3. Blending with the speech mouth, per region (``REGION``), so the lips stay speech-driven:
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

AU -> ARKit: AU1 browInnerUp, AU2 browOuterUp*, AU4 browDown*, AU5 eyeWide*, AU6 cheekSquint*,
AU7 eyeSquint*, AU9 noseSneer*, AU10 mouthUpperUp*, AU12 mouthSmile*, AU14 mouthDimple*,
AU15 mouthFrown*, AU16 mouthLowerDown*, AU17 mouthShrugLower, AU20 mouthStretch*,
AU23/24 mouthPress*, AU25/26 jawOpen (+ lips part), AU43 (lid droop) eyeBlink* below closure.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter1d

from tritalk.errors import ConfigError, WeightsError
from tritalk.face.model import inner_lip_gap_weights
from tritalk.types import BLENDSHAPES, EMOTIONS, IDX, N_EXPR, EmotionSpec, EmotionTimeline

logger = logging.getLogger(__name__)

# Intensity-1 prototypes. A name without Left/Right that is not itself an ARKit name stands for
# both sides. Strong on purpose: the mesh engine warps a photo, so an emotion must move the
# whole face (brows, lids, cheeks, nose, mouth corners) to read as that emotion.
PROTOTYPES: dict[str, dict[str, float]] = {
    "neutral": {},
    # AU6 + AU12 (+ AU25): cheeks raised, lip corners pulled up, lips apart over the teeth
    "happy": {"mouthSmile": 1.0, "cheekSquint": 1.0, "eyeSquint": 0.35, "mouthDimple": 0.3,
              "browOuterUp": 0.1},
    # AU1 + AU4 + AU15 + AU17: inner brows up and drawn together, corners down, chin raised, lids heavy
    "sad": {"browInnerUp": 1.0, "browDown": 0.8, "mouthFrown": 1.0, "mouthShrugLower": 0.4, "mouthPress": 0.3,
            "mouthRollLower": 0.2, "eyeSquint": 0.3, "eyeBlink": 0.15},
    # AU4 + AU5 + AU7 + AU9 (+ AU16/25 while speaking): brows down and together, a glare (upper lids
    # up, lids slightly tightened: more squint hides the blinks and unsettles face trackers), nose
    # wrinkled; the lower lip drops off the teeth while speaking (``SPEAKING``). A snarl held at rest
    # (AU10 + AU20 in the prototype) made the lips flicker open and shut between words and read as a
    # smile; a full nose wrinkle doubles how much each jaw movement shifts a face tracker's head pitch
    # (measured 0.8 -> 1.7 deg per 0.3 jawOpen): both showed as head jitter (0.25-0.30 deg/frame vs
    # 0.12 neutral). The pressed-lips variant AU23/24 reads as neutral or sad.
    "angry": {"browDown": 1.0, "eyeSquint": 0.2, "eyeWide": 0.3, "noseSneer": 0.8, "cheekSquint": 0.2},
    # AU1 + AU2 + AU5 + AU26: brows high, eyes wide, jaw dropped
    "surprised": {"browInnerUp": 1.0, "browOuterUp": 1.0, "eyeWide": 1.0, "jawOpen": 0.22, "mouthFunnel": 0.15},
    # AU1 + AU2 + AU4 + AU5 + AU20 + AU25: brows up and drawn together, eyes wide, lips stretched apart
    # and back (a little AU15: without it the stretched lips over the teeth read as a grin on some faces)
    "fearful": {"browInnerUp": 1.0, "browOuterUp": 0.5, "browDown": 0.7, "eyeWide": 1.0, "mouthStretch": 0.6,
                "mouthFrown": 0.3, "mouthLowerDown": 0.8, "jawOpen": 0.2},
    # AU9 + AU10 + AU15 + AU17 (+ AU18) with AU4 + AU6: nose wrinkled, upper lip raised, corners down,
    # chin raised, brows a little lowered, cheeks pushed up against the lower lids. A strong nose
    # wrinkle alone reads as anger; the raised cheeks and weaker wrinkle read as disgust (fer on the
    # tuning portraits' stills: P(disgust) 0.22 -> 0.42, over a 64-combination search)
    "disgusted": {"noseSneer": 0.3, "mouthUpperUp": 0.7, "eyeSquint": 0.2, "mouthFrown": 1.0, "mouthShrugLower": 1.0,
                  "mouthRollLower": 0.6, "mouthPucker": 0.4, "browDown": 0.4, "cheekSquint": 0.6},
    # unilateral AU12 + AU14 (the subject's left lip corner), a slight squint
    "contempt": {"mouthSmileLeft": 0.8, "mouthDimpleLeft": 0.9, "mouthLeft": 0.3, "eyeSquint": 0.25,
                 "browOuterUpLeft": 0.3, "noseSneerLeft": 0.2, "mouthPressRight": 0.3},
}

# "Jaw tension" while speaking, per emotion at intensity 1: extra lip parting that rides on the
# speech (scaled by how much the mouth speaks, so the lips still meet in pauses and closures)
# and a gain on the speech jaw. A happy speaker shows the teeth, a surprised or frightened one
# opens wide, a disgusted one bares the upper teeth, an angry one the lower ones. A sad one drops the
# lower lip a little: the chin raise and pressed lips of the sad rest face otherwise shut small
# syllables (mouth-loudness correlation 0.83x neutral without it, 0.98-1.03x with it).
SPEAKING: dict[str, dict[str, float]] = {
    "neutral": {},
    "happy": {"mouthLowerDown": 0.55, "mouthUpperUp": 0.25},
    "sad": {"mouthLowerDown": 0.3},
    "angry": {"mouthLowerDown": 0.4},
    "surprised": {"mouthLowerDown": 0.3, "jawOpen": 0.25},
    "fearful": {"mouthLowerDown": 0.8, "jawOpen": 0.15},
    "disgusted": {"mouthUpperUp": 0.6, "mouthLowerDown": 0.3},
    "contempt": {},
}
JAW_GAIN: dict[str, float] = {
    "neutral": 1.0, "happy": 1.15, "sad": 1.0, "angry": 1.1, "surprised": 2.5, "fearful": 2.0,
    "disgusted": 1.1, "contempt": 1.0,
}

# A photo that smiles (or shows its teeth in a smile) is the face every frame starts from: motion is an
# offset from the photo's expression. Emotions that cannot smile take that smile back, in proportion
# to their weight (happy, contempt and neutral keep the photo as it is). Only the part of each
# coefficient above PHOTO_SMILE_FLOOR counts (a neutral photo's estimate carries a little noise).
PHOTO_SMILE: tuple[str, ...] = (
    "mouthSmileLeft", "mouthSmileRight", "cheekSquintLeft", "cheekSquintRight", "mouthUpperUpLeft",
    "mouthUpperUpRight", "mouthDimpleLeft", "mouthDimpleRight",
)
PHOTO_SMILE_FLOOR = 0.15
KEEPS_PHOTO_SMILE: tuple[str, ...] = ("neutral", "happy", "contempt")

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
    transition_s: float = 0.6
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


def _vector(shapes: dict[str, float]) -> np.ndarray:
    v = np.zeros(N_EXPR, np.float32)
    for shape, w in shapes.items():
        if shape in IDX:
            v[IDX[shape]] = w
        elif shape + "Left" in IDX:
            v[IDX[shape + "Left"]] = v[IDX[shape + "Right"]] = w
        else:
            raise KeyError(f"unknown ARKit shape '{shape}'")
    return v


def prototype(name: str) -> np.ndarray:
    """(52,) ARKit offsets of a hand-tuned emotion prototype at intensity 1."""
    if name not in EMOTIONS:
        raise KeyError(name)
    return _vector(PROTOTYPES[name])


# --- learned statistics -------------------------------------------------------------------------

@dataclass(frozen=True)
class EmotionStats:
    """Per-emotion expression statistics measured on emotional video (e.g. MEAD via ``tritalk prepare``).

    ``mean[e]`` is the mean ARKit expression of emotion ``e`` minus the same speaker's neutral
    mean (so identity and the speech mouth cancel), averaged over speakers; ``std[e]`` its
    frame spread; ``count[e]`` the frames behind it. Saved as ``.npz`` with these arrays plus
    ``emotions`` and ``blendshapes`` name lists (checked on load).
    """

    mean: np.ndarray  # (8, 52) float32, EMOTIONS x BLENDSHAPES
    std: np.ndarray  # (8, 52) float32
    count: np.ndarray  # (8,) int64

    def save(self, path: str | Path) -> None:
        np.savez(path, mean=self.mean, std=self.std, count=self.count, emotions=np.array(EMOTIONS),
                 blendshapes=np.array(BLENDSHAPES))

    @classmethod
    def load(cls, path: str | Path) -> "EmotionStats":
        path = Path(path)
        try:
            d = np.load(path)
            mean, std, count = d["mean"], d["std"], d["count"]
            emotions, names = tuple(str(x) for x in d["emotions"]), tuple(str(x) for x in d["blendshapes"])
        except (OSError, ValueError, KeyError) as e:
            raise WeightsError(f"emotion statistics '{path}' cannot be read ({e}); "
                               "give an .npz written by EmotionStats.save") from None
        if names != BLENDSHAPES or emotions != EMOTIONS or mean.shape != (len(EMOTIONS), N_EXPR):
            raise WeightsError(f"emotion statistics '{path}' are for another coefficient or emotion order; "
                               "recompute them with this version of tritalk")
        return cls(mean.astype(np.float32), std.astype(np.float32), count.astype(np.int64))


def fit_emotion_stats(clips: list[tuple[str, str, np.ndarray]]) -> EmotionStats:
    """Statistics from ``(speaker, emotion, expr (T, 52))`` clips, e.g. MediaPipe blendshapes of MEAD.

    Each speaker's neutral mean is subtracted from their emotional clips (identity and the
    average speech mouth cancel); the per-speaker emotion means are then averaged, so a speaker
    with many clips does not dominate. Emotions without data get a zero mean and count 0.
    """
    by: dict[tuple[str, str], list[np.ndarray]] = {}
    for speaker, emotion, expr in clips:
        if emotion not in EMOTIONS:
            raise ConfigError(f"unknown emotion '{emotion}' in the dataset; use one of: {', '.join(EMOTIONS)}")
        expr = np.asarray(expr, np.float64)
        if expr.ndim != 2 or expr.shape[1] != N_EXPR:
            raise ConfigError(f"clip of {speaker}/{emotion} must be (T, {N_EXPR}), got {expr.shape}")
        by.setdefault((speaker, emotion), []).append(expr)
    mean = np.zeros((len(EMOTIONS), N_EXPR))
    std = np.zeros((len(EMOTIONS), N_EXPR))
    count = np.zeros(len(EMOTIONS), np.int64)
    speakers = sorted({s for s, _ in by})
    for k, emotion in enumerate(EMOTIONS):
        offsets, spreads = [], []
        for s in speakers:
            if (s, emotion) not in by or (s, "neutral") not in by:
                continue
            frames = np.concatenate(by[(s, emotion)])
            base = np.concatenate(by[(s, "neutral")]).mean(0)
            offsets.append(frames.mean(0) - base)
            spreads.append(frames.std(0))
            count[k] += len(frames)
        if offsets:
            mean[k] = np.mean(offsets, 0)
            std[k] = np.mean(spreads, 0)
    return EmotionStats(mean.astype(np.float32), std.astype(np.float32), count)


# --- timelines and text -------------------------------------------------------------------------

_SEGMENT = re.compile(r"^\s*([a-z]+)\s*(?:@\s*([0-9.]+)\s*)?:\s*([0-9.]*)\s*-\s*([0-9.]*)\s*$")


def parse_timeline(text: str, intensity: float = 0.5, transition_s: float | None = None) -> EmotionTimeline:
    """``"neutral:0-2,happy:2-6,sad:6-"`` (seconds; an open end runs to the clip's end) -> EmotionTimeline.

    A segment may carry its own intensity: ``"happy@0.9:2-6"``. Gaps between segments are neutral.
    """
    segments = []
    for part in text.split(","):
        m = _SEGMENT.match(part.lower())
        if not m:
            raise ConfigError(f"cannot read emotion segment '{part.strip()}'; write NAME:START-END in seconds, "
                              "e.g. 'neutral:0-2,happy:2-6,sad:6-'")
        name, level, start, end = m.groups()
        if name not in EMOTIONS:
            raise ConfigError(f"unknown emotion '{name}' in the timeline; choose one of: {', '.join(EMOTIONS)}")
        try:
            start_s = float(start) if start else 0.0
            end_s = float(end) if end else math.inf
            level_v = float(level) if level else intensity
        except ValueError:
            raise ConfigError(f"cannot read the numbers in emotion segment '{part.strip()}'; "
                              "write NAME:START-END in seconds, e.g. 'happy:2-6'") from None
        if not end_s > start_s:
            raise ConfigError(f"emotion segment '{part.strip()}' ends before it starts; write START < END")
        segments.append((EmotionSpec(name, level_v), start_s, end_s))
    segments.sort(key=lambda s: s[1])
    for (_, _, end_a), (spec_b, start_b, _) in zip(segments, segments[1:]):
        if start_b < end_a - 1e-9:
            raise ConfigError(f"emotion segments overlap at {start_b:g} s; give each second one emotion")
    return EmotionTimeline(tuple(segments), EmotionConfig().transition_s if transition_s is None else transition_s)


def parse_emotion(text: str, intensity: float = 0.5) -> EmotionSpec | EmotionTimeline:
    """The CLI's ``--emotion``: a MEAD name, a timeline (``name:start-end,...``) or free text.

    Free text ("quietly furious") needs the optional text model (``pip install 'tritalk[text]'``).
    """
    key = text.strip().lower()
    if key in EMOTIONS:
        return EmotionSpec(key, intensity)
    if ":" in key and re.match(r"^[a-z]+\s*(@\s*[0-9.]+\s*)?:", key):
        return parse_timeline(key, intensity)
    if not key:
        raise ConfigError(f"empty emotion; choose one of: {', '.join(EMOTIONS)}, a timeline or a description")
    from tritalk.motion.emotion_text import describe_emotion

    return describe_emotion(text, intensity)


def emotion_track(emotion: EmotionSpec | EmotionTimeline, n_frames: int, fps: float) -> np.ndarray:
    """(T, 8) float32 weight of each emotion (EMOTIONS order) per frame: intensity x mixture weight.

    The neutral column holds what is left (1 - the others), so rows sum to 1.
    """
    if isinstance(emotion, EmotionSpec):
        w = np.repeat(emotion.weights()[None], n_frames, 0)
    else:
        t = (np.arange(n_frames) + 0.5) / fps  # (T,) frame centres [s]
        w = np.zeros((n_frames, len(EMOTIONS)))
        w[:, 0] = 1.0  # gaps are neutral
        for spec, start, end in emotion.segments:
            inside = ((t >= start) & (t < end)).astype(np.float64)
            w[inside > 0] = spec.weights()
        half = emotion.transition_s * fps / 2.0
        if half > 0.5 and n_frames > 1:
            w = _raised_cosine_blur(w, half)
    rest = 1.0 - w[:, 1:].sum(1)
    w[:, 0] = np.clip(rest, 0, 1)
    return w.astype(np.float32)


def _raised_cosine_blur(w: np.ndarray, half: float) -> np.ndarray:
    """Moving average with a raised-cosine (Hann) kernel of total width 2 * half frames: a step
    becomes an S-curve over that width, with bounded slope and curvature."""
    k = int(math.ceil(half))
    x = np.arange(-k, k + 1) / max(half, 1e-9)
    kernel = np.where(np.abs(x) <= 1, 0.5 + 0.5 * np.cos(np.pi * x), 0.0)
    kernel /= kernel.sum()
    pad = np.pad(w, ((k, k), (0, 0)), mode="edge")
    return np.stack([np.convolve(pad[:, j], kernel, mode="valid") for j in range(w.shape[1])], 1)


# --- the model ----------------------------------------------------------------------------------

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
        return cls(np.stack([prototype(e) for e in EMOTIONS]), np.stack([_vector(SPEAKING[e]) for e in EMOTIONS]),
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


def photo_smile_weight(track: np.ndarray) -> np.ndarray:
    """(T,) in [0, 1]: how much of the portrait's own smile each frame of an emotion track (T, 8)
    takes back: the weight of the emotions that cannot smile (all but ``KEEPS_PHOTO_SMILE``)."""
    cannot = np.array([0.0 if e in KEEPS_PHOTO_SMILE else 1.0 for e in EMOTIONS])
    return np.clip(np.asarray(track, np.float64) @ cannot, 0.0, 1.0).astype(np.float32)


def photo_smile(photo_expr: np.ndarray) -> np.ndarray:
    """(52,): the part of a portrait's coefficients that is its smile (``PHOTO_SMILE`` above
    ``PHOTO_SMILE_FLOOR``), which ``Motion.photo_smile`` takes back."""
    photo_expr = np.asarray(photo_expr, np.float32).reshape(-1)
    smile = np.zeros(N_EXPR, np.float32)
    idx = [IDX[n] for n in PHOTO_SMILE]
    smile[idx] = np.clip(photo_expr[idx] - PHOTO_SMILE_FLOOR, 0.0, None)
    return smile


def emotion_offsets(spec: EmotionSpec | EmotionTimeline, speech_expr: np.ndarray, fps: float = 25.0,
                    model: EmotionModel | None = None) -> np.ndarray:
    """(T, 52) expression offsets of an emotion (or timeline) over the frames of ``speech_expr`` (T, 52)."""
    model = model or EmotionModel.default()
    track = emotion_track(spec, speech_expr.shape[0], fps)
    return model.offsets(track, speech_expr, fps)
