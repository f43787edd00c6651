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

Phone sets: pocketsphinx gives CMU ARPAbet, espeak-ng gives IPA; both map onto ``VISEMES`` (14
mouth-shape classes), which are also the lip reader's CTC tokens (id = index + 1; 0 = blank).
"""

from __future__ import annotations

import logging
import math
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np
from scipy import signal

from tritalk.audio.features import AudioFeatures, audio_features
from tritalk.errors import ConfigError, WeightsError
from tritalk.types import AudioClip

logger = logging.getLogger(__name__)

# Mouth-shape classes; index 0 is silence. CTC token id = index + 1 (0 is the CTC blank).
VISEMES: tuple[str, ...] = (
    "sil",   # pause, breath
    "PBM",   # bilabial closure: p b m
    "FV",    # lower lip to upper teeth: f v
    "TH",    # tongue between teeth: th dh
    "TDNL",  # alveolar: t d n l
    "SZ",    # sibilant, teeth close: s z
    "SH",    # post-alveolar, lips forward: sh zh ch jh
    "KG",    # velar / glottal, mouth follows the vowel: k g ng h
    "R",     # r, er: lips slightly rounded
    "W_UW",  # rounded close: w uw uh (and y, yu in other languages)
    "AA",    # open: aa ae ah(ʌ) ay aw
    "EH",    # mid unrounded: eh ey ə ɜ
    "IY",    # close front spread: iy ih y
    "OW",    # rounded mid: ow ao oy ɔ ø œ
)
VISEME_IDX: dict[str, int] = {v: i for i, v in enumerate(VISEMES)}
N_TOKENS = len(VISEMES) + 1  # + CTC blank

ARPABET_TO_VISEME: dict[str, str] = {
    "SIL": "sil", "+NSN+": "sil", "+SPN+": "sil", "+BREATH+": "sil", "+NOISE+": "sil", "+COUGH+": "sil",
    "+SMACK+": "sil", "+UH+": "sil", "+UM+": "sil",
    "P": "PBM", "B": "PBM", "M": "PBM", "F": "FV", "V": "FV", "TH": "TH", "DH": "TH",
    "T": "TDNL", "D": "TDNL", "N": "TDNL", "L": "TDNL", "S": "SZ", "Z": "SZ",
    "SH": "SH", "ZH": "SH", "CH": "SH", "JH": "SH", "K": "KG", "G": "KG", "NG": "KG", "HH": "KG",
    "R": "R", "ER": "R", "W": "W_UW", "UW": "W_UW", "UH": "W_UW",
    "AA": "AA", "AE": "AA", "AY": "AA", "AW": "AA", "AH": "EH", "EH": "EH", "EY": "EH",
    "IH": "IY", "IY": "IY", "Y": "IY", "OW": "OW", "AO": "OW", "OY": "OW",
}

# IPA (espeak-ng phoneme events), by the first sound of the phoneme string.
_IPA_MULTI = {"tʃ": "SH", "dʒ": "SH", "ts": "SZ", "dz": "SZ", "tɕ": "SH", "dʑ": "SH", "pf": "PBM"}
_IPA_FIRST: dict[str, str] = {}
for _chars, _v in (("pbmɱɓ", "PBM"), ("fvʋɸβ", "FV"), ("θð", "TH"), ("tdnlɾɫɗɬɭɳɖʈ", "TDNL"),
                   ("szʂʐ", "SZ"), ("ʃʒçʝɕʑɲ", "SH"), ("kgɡŋhxɣχqʔɦʁɢcɟ", "KG"), ("rɹɻʀɚɝ", "R"),
                   ("wʍɥuʊɯyʏ", "W_UW"), ("aɑæʌɐɶ", "AA"), ("eɛəɜɘɤ", "EH"), ("iɪjɨʎ", "IY"),
                   ("oɔɒøœɵ", "OW")):
    for _c in _chars:
        _IPA_FIRST[_c] = _v


def arpabet_viseme(phone: str) -> str:
    """CMU ARPAbet phone (stress digits allowed) -> viseme class; unknown fillers -> 'sil'."""
    p = phone.upper().rstrip("012")
    return ARPABET_TO_VISEME.get(p, "sil")


def ipa_viseme(phoneme: str) -> str:
    """IPA phoneme string (stress/length marks allowed) -> viseme class; pauses ('_', '') -> 'sil'."""
    marks = "ˈˌːˑ'`,.%=_-|#:;!?0123456789 "
    s = "".join(c for c in unicodedata.normalize("NFC", phoneme) if c not in marks)
    if not s:
        return "sil"
    for k, v in _IPA_MULTI.items():
        if s.startswith(k):
            return v
    if s[0] in _IPA_FIRST:
        return _IPA_FIRST[s[0]]
    base = unicodedata.normalize("NFD", s[0])[0]  # ç -> c, ã -> a
    return _IPA_FIRST.get(base, "EH" if base.isalpha() else "sil")


@dataclass(frozen=True)
class PhoneSpan:
    phone: str     # as the recogniser / synthesiser names it
    viseme: str    # one of VISEMES
    start: float   # seconds
    end: float     # seconds


def spans_to_frames(spans: Sequence[PhoneSpan], fps: float, n_frames: int) -> np.ndarray:
    """(T, len(VISEMES)): the share of each frame's interval covered by each viseme (silence fills gaps)."""
    out = np.zeros((n_frames, len(VISEMES)), np.float32)
    for s in spans:
        a, b = s.start * fps, s.end * fps
        if b <= a:
            continue
        k = VISEME_IDX[s.viseme]
        for t in range(max(0, int(math.floor(a))), min(n_frames, int(math.ceil(b)))):
            out[t, k] += max(0.0, min(b, t + 1) - max(a, t))
    out[:, 0] += np.clip(1.0 - out.sum(axis=1), 0.0, None)
    return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-6)


def spans_to_tokens(spans: Sequence[PhoneSpan], min_dur: float = 0.0) -> np.ndarray:
    """CTC label sequence (ids 1..len(VISEMES)) with repeats of the same viseme merged, silence dropped."""
    ids: list[int] = []
    for s in spans:
        if s.viseme == "sil" or s.end - s.start < min_dur:
            continue
        i = VISEME_IDX[s.viseme] + 1
        if not ids or ids[-1] != i:
            ids.append(i)
    return np.array(ids, np.int64)


def resample_to(clip: AudioClip, rate: int) -> np.ndarray:
    """Mono float64 samples at ``rate``."""
    x = np.asarray(clip.samples, np.float64)
    if clip.sample_rate == rate:
        return x
    g = math.gcd(int(clip.sample_rate), int(rate))
    return signal.resample_poly(x, rate // g, int(clip.sample_rate) // g)


def _n_frames(clip: AudioClip, fps: float, n_frames: int | None) -> int:
    if not fps > 0:
        raise ConfigError(f"fps must be > 0, got {fps}")
    return math.ceil(round(clip.duration * fps, 6)) if n_frames is None else int(n_frames)


def _pcm16(clip: AudioClip) -> bytes:
    y = resample_to(clip, 16000)
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if peak > 0:  # the recogniser's front end is level-sensitive; a quiet clip is brought to -3 dBFS
        y = y * (0.7 / peak)
    return (np.clip(y, -1, 1) * 32767).astype(np.int16).tobytes()


def _ps_model_dir() -> Path:
    try:
        from pocketsphinx import get_model_path
    except ImportError:
        raise ConfigError("the phone recogniser needs pocketsphinx (a core dependency of tritalk); install it "
                          "with pip install pocketsphinx==5.1.1") from None
    return Path(get_model_path()) / "en-us"


def recognise_phones(clip: AudioClip, beam: float = 1e-20) -> list[PhoneSpan]:
    """Phone spans from pocketsphinx allphone decoding (CMU en-us model, 10 ms frames). The beam is wide:
    at 1e-10 the search can die part-way through longer audio and return the rest as one phone."""
    from pocketsphinx import Decoder

    m = _ps_model_dir()
    dec = Decoder(hmm=str(m / "en-us"), allphone=str(m / "en-us-phone.lm.bin"), lm=None, lw=2.0,
                  beam=beam, pbeam=beam, loglevel="FATAL")
    dec.start_utt()
    dec.process_raw(_pcm16(clip), full_utt=True)
    dec.end_utt()
    return [PhoneSpan(s.word, arpabet_viseme(s.word), s.start_frame / 100.0, (s.end_frame + 1) / 100.0)
            for s in (dec.seg() or [])]  # None for clips of a few frames


def align_phones(clip: AudioClip, text: str) -> list[PhoneSpan]:
    """Forced alignment of a known English transcript (pocketsphinx + CMU dict) -> phone spans.

    Returns [] (with a warning) when the decoder cannot align the text to the audio.
    """
    for beams in ({}, dict(beam=1e-80, wbeam=1e-60, pbeam=1e-80)):  # default first; wider on failure
        try:
            return _align(clip, text, beams)
        except RuntimeError as e:
            err = e
    logger.warning("forced alignment of '%s' failed (%s); no aligned phones", text, err)
    return []


def _align(clip: AudioClip, text: str, beams: dict) -> list[PhoneSpan]:
    from pocketsphinx import Decoder

    m = _ps_model_dir()
    dec = Decoder(hmm=str(m / "en-us"), dict=str(m / "cmudict-en-us.dict"), loglevel="FATAL", **beams)
    pcm = _pcm16(clip)
    dec.set_align_text(text.lower())
    dec.start_utt()
    dec.process_raw(pcm, full_utt=True)
    dec.end_utt()
    dec.set_alignment()
    dec.start_utt()
    dec.process_raw(pcm, full_utt=True)
    dec.end_utt()
    spans = []
    for word in dec.get_alignment():
        for p in word:
            spans.append(PhoneSpan(p.name, arpabet_viseme(p.name), p.start / 100.0, (p.start + p.duration) / 100.0))
    return spans


# ---------------------------------------------------------------------------------------------
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
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
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

