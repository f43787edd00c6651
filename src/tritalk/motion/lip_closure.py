"""Lip closure: the rule-based post-processing that shuts G_m's lips where speech shuts them (not learned).

``SpeechMotionPost`` holds its settings. Per frame, ``closure_track`` takes the largest of three closure
sources: G_m's own /p b m/ probability (``closure_head`` checkpoints), v1's energy-dip rule (short deep
dips inside speech are stop closures, motion/speech.py) and the /p b m/ spans of the pocketsphinx phone
recogniser (``phone_closure_track``). ``close_lips`` then brings the lips together by that amount on the
face model's inner-lip gap, as rendered; ``silence_gate`` rests the mouth in pauses.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d, maximum_filter1d

from tritalk.arkit import expansion_matrix
from tritalk.audio.features import AudioFeatures, audio_features
from tritalk.audio.phone_recogniser import recognise_phones
from tritalk.errors import ConfigError
from tritalk.face.model import inner_lip_gap_weights
from tritalk.motion.speech import SpeechMotion
from tritalk.types import AudioClip

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpeechMotionPost:
    """Display-side post-processing of G_m's output (not learned)."""

    jaw_gain: float = 1.3
    """As v1 (motion/speech.py): MediaPipe under-reads jaw opening on small faces, and the model is
    trained on those readings; 1.3 gives typical speech peaks of ~0.3-0.45."""
    gate_on: tuple[float, float] = (0.1, 0.5)
    """Voice activity (dilated by ``gate_hold_s``) mapped to gate 0 -> 1: the mouth rests in pauses.
    Dilated and low, so it never cuts into speech; G_m itself moves the lips around the gate."""
    gate_hold_s: float = 0.12
    """The mouth stays free this long after voice stops (release of the last sound)."""
    gate_lead_s: float = 0.3
    """...and this long before voice starts: speakers open the mouth before the first sound."""
    smooth_s: float = 0.03
    """Gaussian sigma [s], as v1: removes frame-to-frame jitter, keeps the 3-6 Hz syllable rhythm."""
    closure: float = 1.0
    """Strength of v1's stop-closure rule (short deep energy dips inside speech -> lips together,
    motion/speech.py): 0 = off."""
    head_closure: tuple[float, float] | None = (0.25, 0.5)
    """G_m's /p b m/ probability (``closure_head`` checkpoints) mapped to lip closure 0 -> 1; None = off."""
    closure_jaw_drop: float = 0.4
    """Share of jawOpen removed at a full closure (the jaw rises for /p b m/; real GRID: ~0.5)."""
    phone_closure: bool = True
    """Close the lips on the /p b m/ spans that the pocketsphinx phone recogniser finds in the audio
    (``audio.phone_recogniser.recognise_phones``, allphone decoding, ~0.3-0.5 s per 10 s of speech), combined with
    the energy-dip rule by max. Needs the waveform (an ``AudioClip``, or ``AudioFeatures`` made by
    ``audio_features``, which keep it); without pocketsphinx: energy-dip rule only, one logged warning."""
    phone_core: float = 0.5
    """Share of each recognised /p b m/ span, around its middle, where the lips are fully shut..."""
    phone_min_half_s: float = 0.02
    """...but at least this far either side of the middle (so one 25 fps frame centre always falls in it)..."""
    phone_ramp_s: float = 0.04
    """...reached by linear ramps this long on each side."""

    def __post_init__(self):
        if self.jaw_gain < 0 or not self.gate_on[0] < self.gate_on[1] or self.gate_hold_s < 0:
            raise ConfigError("jaw_gain must be >= 0, gate_on (low, high) with low < high, gate_hold_s >= 0")
        if self.head_closure is not None and not self.head_closure[0] < self.head_closure[1]:
            raise ConfigError(f"head_closure must be (low, high) with low < high, got {self.head_closure}")
        if not 0.0 <= self.closure_jaw_drop <= 1.0:
            raise ConfigError(f"closure_jaw_drop must be in [0, 1], got {self.closure_jaw_drop}")
        if not 0.0 <= self.phone_core <= 1.0 or self.phone_min_half_s < 0 or self.phone_ramp_s < 0:
            raise ConfigError("phone_core must be in [0, 1], phone_min_half_s and phone_ramp_s >= 0")


@functools.lru_cache(maxsize=8)
def lip_gap_weights(targets: tuple[str, ...]) -> np.ndarray:
    """(K,) inner-lip gap [cm] per unit of each target, as rendered (``face.model.inner_lip_gap_weights``).
    > 0 parts the lips (jawOpen +3.3, mouthFunnel +1.4), < 0 brings them together (mouthClose -3.9)."""
    return (expansion_matrix(targets) @ inner_lip_gap_weights()).astype(np.float32)


LIP_PARTING: tuple[str, ...] = ("mouthFunnel", "mouthLowerDown", "mouthUpperUp")
"""Channels that part the lips without the jaw; they fade out at a closure."""


def close_lips(coeffs: np.ndarray, closure: np.ndarray, targets: tuple[str, ...], jaw_drop: float = 0.4
               ) -> np.ndarray:
    """(T, K) mouth coefficients with the lips brought together where ``closure`` (T,) is 1.

    Per frame with closure c: jawOpen x (1 - jaw_drop c) (the jaw rises but keeps moving), the
    lip-parting channels x (1 - c), then mouthClose is raised until the remaining inner-lip gap of the
    face model is (1 - c) x what it was: c = 1 puts the lips exactly together (gap 0, no overlap)."""
    y = np.clip(np.array(coeffs, np.float32, copy=True), 0.0, 1.0)  # the gap of what will be rendered
    c = np.clip(np.asarray(closure, np.float32), 0.0, 1.0)
    if "jawOpen" in targets:
        y[:, targets.index("jawOpen")] *= 1.0 - jaw_drop * c
    for name in LIP_PARTING:
        if name in targets:
            y[:, targets.index(name)] *= 1.0 - c
    if "mouthClose" in targets:
        w = lip_gap_weights(tuple(targets))
        k = targets.index("mouthClose")
        gap = np.clip(y @ w, 0.0, None)
        y[:, k] = np.clip(y[:, k] + c * gap / -w[k], 0.0, 1.0)
    return y


MAX_BILABIAL_S = 0.3
"""Longest /p b m/ span the closure trusts (real ones last 50-200 ms)."""


def phone_closure_track(spans, fps: float, n: int, core: float = 0.5, min_half_s: float = 0.02,
                        ramp_s: float = 0.04) -> np.ndarray:
    """(n,) lip closure in [0, 1] at the frame centres ``(t + 0.5) / fps`` from phone spans: 1 over the
    central ``core`` share of each /p b m/ span (at least +-``min_half_s`` around its middle), falling
    linearly to 0 over ``ramp_s`` on each side; 0 elsewhere."""
    c = np.zeros(n, np.float32)
    if n == 0:
        return c
    t = (np.arange(n) + 0.5) / fps
    min_half_s = max(min_half_s, 0.5 / fps)  # a frame centre always falls inside the plateau
    for s in spans:
        # a "bilabial" longer than MAX_BILABIAL_S is a decoding failure (a phone swallowing the rest), not a /b/
        if s.viseme != "PBM" or s.end <= s.start or s.end - s.start > MAX_BILABIAL_S:
            continue
        mid = 0.5 * (s.start + s.end)
        half = max(0.5 * core * (s.end - s.start), min_half_s)
        d = np.abs(t - mid) - half  # <= 0 inside the plateau
        ramp = np.clip(1.0 - d / ramp_s, 0.0, 1.0) if ramp_s > 0 else (d <= 0).astype(np.float64)
        c = np.maximum(c, ramp.astype(np.float32))
    return c


_PHONE_WARNED: set[str] = set()


def recognised_bilabials(clip: AudioClip) -> list | None:
    """The /p b m/ spans (``PhoneSpan``) the pocketsphinx phone recogniser finds in ``clip``; None (and one
    logged warning per process) when pocketsphinx is not installed or the decoder fails."""
    try:
        return [s for s in recognise_phones(clip) if s.viseme == "PBM"]
    except (ImportError, OSError, ConfigError) as e:  # not installed, or its native library does not load
        key, msg = "missing", (f"lip closures on /p b m/ use the energy-dip rule only: the phone recogniser is "
                               f"unavailable ({e}); pip install pocketsphinx==5.1.1")
    except Exception as e:  # noqa: BLE001 - the decoder could not process this audio: the optional step is skipped
        key, msg = "failed", f"the phone recogniser failed ({e}); lip closures use the energy-dip rule only"
    if key not in _PHONE_WARNED:
        _PHONE_WARNED.add(key)
        logger.warning(msg)
    return None


def silence_gate(vad: np.ndarray, fps: float, post: SpeechMotionPost) -> np.ndarray:
    """(T,) in [0, 1]: 0 in pauses, 1 in and near speech."""
    lead, hold = int(round(post.gate_lead_s * fps)), int(round(post.gate_hold_s * fps))
    width = lead + hold + 1
    # Window [t - hold, t + lead]: origin shifts the max filter's window towards the future by (lead - hold) / 2.
    v = maximum_filter1d(vad.astype(np.float64), size=width, mode="nearest", origin=-((lead - hold) // 2))
    lo, hi = post.gate_on
    g = np.clip((v - lo) / (hi - lo), 0.0, 1.0)
    return gaussian_filter1d(g, max(0.5, 0.03 * fps), mode="nearest")


def closure_track(post: SpeechMotionPost, fps: float, n: int, audio: AudioFeatures | AudioClip,
                  head_probability: np.ndarray | None = None) -> np.ndarray | None:
    """(n,) lip closure in [0, 1] for ``audio`` at ``fps``, the largest of: G_m's /p b m/ probability
    ``head_probability`` (n,) (``closure_head``) through ``post.head_closure``, v1's energy-dip rule (stop
    closures) x ``post.closure``, and the /p b m/ spans of the phone recogniser (``post.phone_closure``).
    None = none of them."""
    parts = []
    if head_probability is not None and post.head_closure is not None:
        lo, hi = post.head_closure
        parts.append(np.clip((head_probability - lo) / (hi - lo), 0.0, 1.0))
    if post.closure > 0:
        feats = audio if isinstance(audio, AudioFeatures) else audio_features(audio, fps, n)
        parts.append(SpeechMotion()._closure(feats) * post.closure)
    if post.phone_closure:
        clip = audio if isinstance(audio, AudioClip) else getattr(audio, "clip", None)
        spans = recognised_bilabials(clip) if clip is not None and clip.duration > 0 else None
        if spans is not None:
            parts.append(phone_closure_track(spans, fps, n, post.phone_core, post.phone_min_half_s,
                                             post.phone_ramp_s))
        elif clip is None:
            logger.debug("phone closures skipped: the AudioFeatures carry no waveform")
    return np.maximum.reduce(parts) if parts else None
