"""Audio encoders E_a (Sec. III-A1): AudioClip -> per-video-frame feature vectors for G_m.

Contract (every encoder):
  * ``encoder.encode(audio, fps, n_frames=None) -> (T, encoder.dim) float32``, finite, row ``t``
    describing the audio of video frame ``t`` (``[t/fps, (t+1)/fps)``); ``T = n_frames`` if given,
    else ``ceil(duration * fps)``.
  * The same vectors are the "audio latent" that the lip reader is trained to reproduce (L_lat).

Implementations (``EncoderConfig.kind``):
  ``acoustic`` (default)  log-mel shape, level, voice activity, spectral centroid / formant-region
                          centroids, zero-crossing rate, onset flux, from ``audio/features.py``
                          (8 kHz analysis: telephone and studio audio read alike; levels relative to
                          the clip; spectral shape relative to the clip's voiced mean). Pure numpy.
                          Also accepts ready ``AudioFeatures`` (what the pipeline computes once).
  ``phonetic``            ``acoustic`` + the share of each frame covered by each viseme class of the
                          pocketsphinx phone recogniser (pip ``pocketsphinx``, CMU en-us acoustic
                          model, allphone mode). Needs the raw audio; ~0.3 s per 10 s of speech.
  ``wav2vec2``            a wav2vec 2.0 / HuBERT model (``transformers``) from a local directory
                          (``config.json`` + weights, as ``save_pretrained`` writes them); hidden states
                          of ``layer`` interpolated to the frame times. Nothing is downloaded: a
                          missing directory raises ``WeightsError`` naming the path and the flag.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from tritalk.audio.features import AudioFeatures, audio_features, resample_to
from tritalk.audio.phone_recogniser import recognise_phones
from tritalk.audio.phones import VISEMES, spans_to_frames
from tritalk.errors import ConfigError, WeightsError
from tritalk.types import AudioClip


def _n_frames(clip: AudioClip, fps: float, n_frames: int | None) -> int:
    if not fps > 0:
        raise ConfigError(f"fps must be > 0, got {fps}")
    return math.ceil(round(clip.duration * fps, 6)) if n_frames is None else int(n_frames)


@dataclass(frozen=True)
class EncoderConfig:
    kind: str = "acoustic"
    """acoustic | phonetic | wav2vec2 (see the module docstring)."""
    path: str | None = None
    """wav2vec2 only: local directory of the pretrained model (flag --audio-encoder-path)."""
    layer: int = -1
    """wav2vec2 only: which hidden state (-1 = last; the paper uses the transformer output)."""

    def __post_init__(self):
        if self.kind not in ENCODER_KINDS:
            raise ConfigError(f"unknown audio encoder '{self.kind}'; choose one of: {', '.join(ENCODER_KINDS)}")


ENCODER_KINDS = ("acoustic", "phonetic", "wav2vec2")


class AudioEncoder(Protocol):
    config: EncoderConfig
    dim: int
    needs_audio: bool  # False: works from AudioFeatures alone

    def encode(self, audio: AudioClip | AudioFeatures, fps: float, n_frames: int | None = None) -> np.ndarray:
        ...


ACOUSTIC_NAMES: tuple[str, ...] = (
    "level", "level_sq", "vad", *(f"mel_{i:02d}" for i in range(24)), *(f"shape_{i:02d}" for i in range(24)),
    "centroid", "f1_proxy", "f2_proxy", "zcr", "flux",
)


class AcousticEncoder:
    """Default E_a: the 8 kHz frame features of ``audio/features.py``, normalised per clip."""

    needs_audio = False
    dim = len(ACOUSTIC_NAMES)  # 56

    def __init__(self, config: EncoderConfig = EncoderConfig()):
        self.config = config

    def encode(self, audio: AudioClip | AudioFeatures, fps: float, n_frames: int | None = None) -> np.ndarray:
        if isinstance(audio, AudioFeatures):
            feats = audio
            if n_frames is not None and len(feats) != n_frames:
                raise ConfigError(f"features have {len(feats)} frames, {n_frames} were asked for")
            if not math.isclose(feats.fps, fps):
                raise ConfigError(f"features are at {feats.fps} fps, {fps} was asked for")
        else:
            feats = audio_features(audio, fps, _n_frames(audio, fps, n_frames))
        return acoustic_vectors(feats)


def acoustic_vectors(feats: AudioFeatures) -> np.ndarray:
    """(T, 56) from AudioFeatures: levels in [0, 1], spectral shape relative to the voiced mean."""
    n = len(feats)
    if n == 0:
        return np.zeros((0, AcousticEncoder.dim), np.float32)
    vad = feats.column("vad").astype(np.float64)
    level = (feats.column("loudness_dn").astype(np.float64) + 60.0) / 60.0
    mel = (np.stack([feats.column(f"mel_{i:02d}") for i in range(24)], axis=1).astype(np.float64) + 60.0) / 60.0
    spec = np.stack([feats.column("centroid"), feats.column("f1_proxy"), feats.column("f2_proxy")], axis=1)
    # Relative to the clip's voiced mean (cepstral mean normalisation): removes the speaker's timbre
    # and the channel, which a handful of training speakers cannot teach the model to ignore.
    w = vad / (vad.sum() + 1e-6)
    shape = (mel - w @ mel) * vad[:, None]
    spec = (spec - w @ spec) * vad[:, None]
    cols = [level[:, None], level[:, None] ** 2, vad[:, None], mel, shape, spec,
            feats.column("zcr")[:, None], feats.column("flux")[:, None] / 10.0]
    out = np.concatenate(cols, axis=1).astype(np.float32)
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)


class PhoneticEncoder:
    """``acoustic`` + pocketsphinx viseme shares per frame (needs the raw audio)."""

    needs_audio = True
    dim = AcousticEncoder.dim + len(VISEMES)

    def __init__(self, config: EncoderConfig = EncoderConfig(kind="phonetic")):
        self.config = config
        self._acoustic = AcousticEncoder()

    def encode(self, audio: AudioClip | AudioFeatures, fps: float, n_frames: int | None = None) -> np.ndarray:
        if not isinstance(audio, AudioClip):
            raise ConfigError("the phonetic audio encoder needs the audio clip, not precomputed features")
        n = _n_frames(audio, fps, n_frames)
        ac = self._acoustic.encode(audio, fps, n)
        vis = spans_to_frames(recognise_phones(audio), fps, n)
        return np.concatenate([ac, vis], axis=1).astype(np.float32)


class Wav2Vec2Encoder:
    """wav2vec 2.0 / HuBERT hidden states from a local ``transformers`` checkpoint (the paper's E_a)."""

    needs_audio = True
    flag = "--audio-encoder-path"

    def __init__(self, config: EncoderConfig):
        self.config = config
        path = Path(config.path) if config.path else None
        if path is None or not (path / "config.json").is_file():
            raise WeightsError(f"wav2vec2/HuBERT model not found at '{config.path}'; pass a local directory "
                               f"holding config.json + model weights with {self.flag} (nothing is downloaded)")
        try:
            from transformers import AutoModel
        except ImportError:
            raise ConfigError("the wav2vec2 audio encoder needs transformers; pip install 'tritalk[train]'") from None
        try:
            self.model = AutoModel.from_pretrained(str(path), local_files_only=True)
        except (OSError, ValueError) as e:
            raise WeightsError(f"cannot load the wav2vec2/HuBERT model in '{path}' ({str(e).splitlines()[0]}); "
                               f"check the directory given with {self.flag}") from None
        self.model.eval()
        self.dim = int(self.model.config.hidden_size)

    def encode(self, audio: AudioClip | AudioFeatures, fps: float, n_frames: int | None = None) -> np.ndarray:
        import torch

        if not isinstance(audio, AudioClip):
            raise ConfigError("the wav2vec2 audio encoder needs the audio clip, not precomputed features")
        n = _n_frames(audio, fps, n_frames)
        x = resample_to(audio, 16000)
        if x.size < 400:  # shorter than the feature extractor's receptive field
            x = np.pad(x, (0, 400 - x.size))
        x = (x - x.mean()) / (x.std() + 1e-7)  # Wav2Vec2FeatureExtractor(do_normalize=True)
        with torch.inference_mode():
            out = self.model(torch.from_numpy(x.astype(np.float32))[None], output_hidden_states=True)
        h = out.hidden_states[self.config.layer][0].numpy().astype(np.float32)  # (T_a, H)
        if n == 0:
            return np.zeros((0, self.dim), np.float32)
        rate = h.shape[0] / (x.size / 16000.0)  # ~50 Hz for the standard conv stack
        t = (np.arange(n) + 0.5) / fps * rate - 0.5  # frame centres on the encoder's grid
        t = np.clip(t, 0, h.shape[0] - 1)
        i0 = np.floor(t).astype(np.int64)
        i1 = np.minimum(i0 + 1, h.shape[0] - 1)
        w = (t - i0)[:, None].astype(np.float32)
        return h[i0] * (1 - w) + h[i1] * w


def build_encoder(config: EncoderConfig) -> AudioEncoder:
    if config.kind == "acoustic":
        return AcousticEncoder(config)
    if config.kind == "phonetic":
        return PhoneticEncoder(config)
    if config.kind == "wav2vec2":
        return Wav2Vec2Encoder(config)
    raise ConfigError(f"unknown audio encoder '{config.kind}'")
