"""The learned speech generator: G_m (motion/generator.py) behind the speech generator interface
(``generate(features-or-audio, seed) -> Motion``), as the pipeline runs it.

    audio -> E_a features (audio/encoders.py) -> resampled to G_m's rate -> G_m -> resampled to the
    requested fps -> smoothed, gated in silence, jaw gain -> lips shut on closures (motion/lip_closure.py)

The model runs at its own ``rate`` (25 Hz, the rate of the talking-face videos it is trained on);
``generate`` resamples in time, so any output fps and any length (odd ones included) come out
frame-exact. Outputs are "above the speaker's rest" like v1 (``motion/speech.py``): 0 = the photo's own
mouth. Only mouth and jaw channels are written; head, gaze and the other channels are zero (blinks,
head motion and emotion are layered on afterwards by the pipeline).
"""

from __future__ import annotations

import functools
import math
from dataclasses import replace
from importlib import resources
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter1d

from tritalk.arkit import expansion_matrix
from tritalk.audio.encoders import AudioEncoder, build_encoder
from tritalk.audio.features import AudioFeatures, audio_features
from tritalk.errors import ConfigError
from tritalk.motion.generator import MotionGenerator
from tritalk.motion.lip_closure import SpeechMotionPost, close_lips, closure_track, silence_gate
from tritalk.types import AudioClip, Motion


def resample_frames(x: np.ndarray, src_fps: float, dst_fps: float, n_out: int) -> np.ndarray:
    """(T, C) sampled at frame centres of src_fps -> (n_out, C) at dst_fps (linear, ends held)."""
    if math.isclose(src_fps, dst_fps) and x.shape[0] == n_out:
        return x
    if x.shape[0] == 0:
        return np.zeros((n_out, x.shape[1]), x.dtype)
    t = np.clip((np.arange(n_out) + 0.5) / dst_fps * src_fps - 0.5, 0, x.shape[0] - 1)
    i0 = np.floor(t).astype(np.int64)
    i1 = np.minimum(i0 + 1, x.shape[0] - 1)
    w = (t - i0)[:, None]
    return (x[i0] * (1 - w) + x[i1] * w).astype(x.dtype)


def default_checkpoint_dir() -> Path:
    return Path(str(resources.files("tritalk") / "assets" / "motion" / "gm"))


@functools.lru_cache(maxsize=4)
def _load_model(directory: str) -> MotionGenerator:
    return MotionGenerator.from_pretrained(directory)


class LearnedSpeechMotion:
    """The speech generator interface (``generate(features-or-audio, seed) -> Motion``) around G_m."""

    name = "gm"

    def __init__(self, model: MotionGenerator, encoder: AudioEncoder | None = None,
                 post: SpeechMotionPost = SpeechMotionPost()):
        self.model = model.eval()
        self.post = post
        self.encoder = encoder if encoder is not None else build_encoder(model.config.encoder)
        self._expand = expansion_matrix(model.config.targets)

    @classmethod
    def load(cls, directory: str | Path | None = None, audio_encoder_path: str | None = None,
             post: SpeechMotionPost = SpeechMotionPost()) -> "LearnedSpeechMotion":
        model = _load_model(str(directory or default_checkpoint_dir()))
        enc_cfg = model.config.encoder
        if audio_encoder_path is not None:
            enc_cfg = replace(enc_cfg, path=str(audio_encoder_path))
        return cls(model, build_encoder(enc_cfg), post)

    def generate(self, audio: AudioFeatures | AudioClip, seed: int = 0, fps: float | None = None,
                 n_frames: int | None = None) -> Motion:
        """Mouth animation: as many frames as ``audio`` (AudioFeatures), or ``ceil(duration * fps)``."""
        del seed  # deterministic (dropout is off at inference)
        rate = self.model.config.rate
        if isinstance(audio, AudioFeatures):
            fps, n = audio.fps, len(audio)
            if self.encoder.needs_audio:
                raise ConfigError(f"the '{self.model.config.encoder.kind}' audio encoder needs the audio clip; "
                                  "call generate(AudioClip, fps=...)")
            vad = audio.column("vad")
            feats = self.encoder.encode(audio, fps, n)
            feats = resample_frames(feats, fps, rate, max(1, math.ceil(n * rate / fps)))
        else:
            fps = float(fps or rate)
            n = math.ceil(round(audio.duration * fps, 6)) if n_frames is None else n_frames
            vad = audio_features(audio, fps, n).column("vad") if n else np.zeros(0)
            feats = self.encoder.encode(audio, rate, max(1, math.ceil(round(audio.duration * rate, 6))))
        pred = self.model.predict(feats)
        coeffs = resample_frames(pred["coeffs"], rate, fps, n)  # (T, K)
        if n and self.post.smooth_s * fps > 0.3:
            coeffs = gaussian_filter1d(coeffs, self.post.smooth_s * fps, axis=0, mode="nearest")
        if n:
            coeffs = coeffs * silence_gate(vad, fps, self.post)[:, None]
        if "jawOpen" in self.model.config.targets:
            coeffs[:, self.model.config.targets.index("jawOpen")] *= self.post.jaw_gain
        closure = None
        if n:
            head_p = resample_frames(pred["closure"][:, None], rate, fps, n)[:, 0] if "closure" in pred else None
            closure = closure_track(self.post, fps, n, audio, head_p)
            if closure is not None:
                coeffs = close_lips(coeffs, closure, self.model.config.targets, self.post.closure_jaw_drop)
        expr = np.clip(coeffs @ self._expand, 0.0, 1.0).astype(np.float32)  # (T, 52)
        head = np.zeros((n, 6), np.float32)
        if "head" in pred:
            head[:, :3] = resample_frames(pred["head"], rate, fps, n)
        return Motion(expr, head, np.zeros((n, 2), np.float32), fps,
                      lip_closure=None if closure is None else np.clip(closure, 0.0, 1.0).astype(np.float32))
