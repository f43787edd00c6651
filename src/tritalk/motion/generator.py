"""G_m (Sec. III-A2): audio features -> per-frame ARKit mouth coefficients, a transformer encoder.

    a_{1:T} = E_a(A)                                   (T, D)   audio/encoders.py
    x_t     = W [a_{t-δa}, ..., a_{t+δa}]              (T, d)   windowed features, δa = 2
    h       = TransformerEncoder(x)                    (T, d)   attention limited to +-attn_span frames
    e_t     = sigmoid(W_o h_t)                         (T, K)   mouth targets (MOUTH_TARGETS stems)

The model runs at its own ``rate`` (25 Hz, the rate of the talking-face videos it is trained on);
``LearnedSpeechMotion.generate`` resamples in time, so any output fps and any length (odd ones
included) come out frame-exact. Attention is banded (each frame sees +-``attn_span`` frames per
layer), so a clip of any length is processed in chunks with an exact overlap (memory stays flat
for 10 minutes of speech) and ``causal=True`` gives a streaming model (window and attention look
only backwards: no latency beyond one frame).

Outputs are "above the speaker's rest" like v1 (``motion/speech.py``): 0 = the photo's own mouth.
Only mouth and jaw channels are written; head, gaze and the other channels are zero (blinks,
head motion and emotion are layered on afterwards by the pipeline).

Named generators (``load_speech_generator``): ``gm`` (this model, the checkpoint shipped in
``assets/motion/gm``), ``v1`` (the linear baseline of ``motion/speech.py``), or a checkpoint directory.
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from torch import nn

from tritalk.audio.encoders import AudioEncoder, EncoderConfig, build_encoder
from tritalk.audio.features import AudioFeatures, audio_features
from tritalk.errors import ConfigError
from tritalk.io.checkpoint import Pretrained
from tritalk.motion.speech import MOUTH_TARGETS, SpeechMotion, target_columns
from tritalk.types import N_EXPR, AudioClip, Motion


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MotionGeneratorConfig:
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    """Which E_a produces the input features (its kind decides in_dim)."""
    in_dim: int = 56
    """Feature size D of the encoder (56 for ``acoustic``)."""
    window: int = 2
    """δa (Sec. III-A2): each frame sees the features of t-δa..t+δa (t-2δa..t when causal)."""
    d_model: int = 64
    n_layers: int = 3
    n_heads: int = 4
    ff_dim: int = 128
    dropout: float = 0.1
    attn_span: int = 12
    """Frames each side a layer attends to (12 = 0.48 s at 25 Hz: a syllable or two of context)."""
    causal: bool = False
    """Streaming: no look-ahead in the window or the attention."""
    rate: float = 25.0
    """Frame rate the model runs at [Hz]; outputs are resampled to the requested fps."""
    targets: tuple[str, ...] = MOUTH_TARGETS
    """Output channels: ARKit names or Left/Right stems (written to both sides)."""
    predict_head: bool = False
    """Also predict head yaw/pitch/roll [rad] (off: motion/head.py owns head motion)."""
    closure_head: bool = False
    """Also predict, per frame, the probability that the lips are shut for /p b m/ (trained on the phone
    timings: espeak-ng's own on synthetic clips, forced alignment on real ones); the post-processing
    closes the lips where it is high (``SpeechMotionPost.head_closure``)."""
    feature_mean: tuple[float, ...] = ()
    """Per-feature normalisation, filled from the training data (empty = identity)."""
    feature_std: tuple[float, ...] = ()
    output_scale: tuple[float, ...] = ()
    """Per-target gain fitted after training on the training real clips, so the spread (p90 - p50) of
    the prediction matches the measured one (regression shrinks it; v1 does the same). Empty = 1."""

    def __post_init__(self):
        if self.d_model % self.n_heads:
            raise ConfigError(f"d_model {self.d_model} must be divisible by n_heads {self.n_heads}")
        if self.window < 0 or self.attn_span < 1 or self.rate <= 0:
            raise ConfigError("window must be >= 0, attn_span >= 1 and rate > 0")
        for t in self.targets:
            target_columns(t)  # ConfigError on an unknown name
        if self.feature_mean and len(self.feature_mean) != self.in_dim:
            raise ConfigError(f"feature_mean has {len(self.feature_mean)} values, in_dim is {self.in_dim}")
        if self.output_scale and len(self.output_scale) != len(self.targets):
            raise ConfigError(f"output_scale has {len(self.output_scale)} values for {len(self.targets)} targets")

    @property
    def receptive_field(self) -> int:
        """Frames on each side that can influence one output frame."""
        return self.n_layers * self.attn_span + 2 * self.window


def expansion_matrix(targets: tuple[str, ...]) -> np.ndarray:
    """(K, 52) 0/1: target k -> its ARKit column(s)."""
    m = np.zeros((len(targets), N_EXPR), np.float32)
    for k, t in enumerate(targets):
        m[k, target_columns(t)] = 1.0
    return m


def band_mask(n: int, span: int, causal: bool, device=None) -> torch.Tensor:
    """(T, T) bool, True = not attended: |i - j| > span, or j > i when causal."""
    i = torch.arange(n, device=device)
    d = i[None, :] - i[:, None]  # key - query
    mask = d.abs() > span
    if causal:
        mask |= d > 0
    return mask


class MotionGenerator(nn.Module, Pretrained):
    """G_m: (B, T, D) audio features at ``config.rate`` -> (B, T, K) mouth coefficients in [0, 1]."""

    Config = MotionGeneratorConfig

    def __init__(self, config: MotionGeneratorConfig):
        super().__init__()
        self.config = c = config
        mean = torch.tensor(c.feature_mean, dtype=torch.float32) if c.feature_mean else torch.zeros(c.in_dim)
        std = torch.tensor(c.feature_std, dtype=torch.float32) if c.feature_std else torch.ones(c.in_dim)
        self.register_buffer("feature_mean", mean, persistent=False)  # from the config, not the weights file
        self.register_buffer("feature_std", std.clamp_min(1e-3), persistent=False)
        scale = torch.tensor(c.output_scale, dtype=torch.float32) if c.output_scale else torch.ones(len(c.targets))
        self.register_buffer("output_scale", scale, persistent=False)
        self.proj = nn.Linear(c.in_dim * (2 * c.window + 1), c.d_model)
        layer = nn.TransformerEncoderLayer(c.d_model, c.n_heads, c.ff_dim, c.dropout, batch_first=True,
                                           norm_first=True, activation="gelu")
        self.encoder = nn.TransformerEncoder(layer, c.n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(c.d_model)
        self.out = nn.Linear(c.d_model, len(c.targets))
        nn.init.constant_(self.out.bias, -3.0)  # start near rest (sigmoid(-3) = 0.05)
        self.head = nn.Linear(c.d_model, 3) if c.predict_head else None
        self.closure = nn.Linear(c.d_model, 1) if c.closure_head else None

    def _windows(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, D) -> (B, T, (2δa+1) D), ends padded by repeating the edge frames."""
        c = self.config
        if c.window == 0:
            return x
        left, right = (2 * c.window, 0) if c.causal else (c.window, c.window)
        xp = torch.cat([x[:, :1].expand(-1, left, -1), x, x[:, -1:].expand(-1, right, -1)], dim=1)
        w = xp.unfold(1, 2 * c.window + 1, 1)  # (B, T, D, 2δa+1)
        return w.transpose(2, 3).reshape(x.shape[0], x.shape[1], -1)

    def forward(self, features: torch.Tensor, key_padding_mask: torch.Tensor | None = None
                ) -> dict[str, torch.Tensor]:
        """features (B, T, D) -> {"coeffs": (B, T, K) in [0, 1], "hidden": (B, T, d)[, "head": (B, T, 3) rad]
        [, "closure_logit": (B, T) logit of P(lips shut for /p b m/)]}."""
        c = self.config
        x = (features - self.feature_mean) / self.feature_std
        h = self.proj(self._windows(x))
        mask = band_mask(h.shape[1], c.attn_span, c.causal, h.device)
        h = self.norm(self.encoder(h, mask=mask, src_key_padding_mask=key_padding_mask))
        out = {"coeffs": (torch.sigmoid(self.out(h)) * self.output_scale).clamp(max=1.0), "hidden": h}
        if self.head is not None:
            out["head"] = 0.3 * torch.tanh(self.head(h))  # +-17 deg: talking-head range
        if self.closure is not None:
            out["closure_logit"] = self.closure(h)[..., 0]
        return out

    @torch.no_grad()
    def predict(self, features: np.ndarray, chunk: int = 500) -> dict[str, np.ndarray]:
        """(T, D) numpy -> {"coeffs": (T, K)[, "head": (T, 3)][, "closure": (T,) probability]}; chunks with an
        exact overlap."""
        was_training = self.training
        self.eval()
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # a model this small runs 10-20x faster on one thread than on oversubscribed ones
        try:
            n = features.shape[0]
            r = self.config.receptive_field
            x = torch.from_numpy(np.ascontiguousarray(features, np.float32))[None]
            parts: dict[str, list] = {}
            for start in range(0, max(n, 1), chunk):
                lo, hi = max(0, start - r), min(n, start + chunk + r)
                if hi <= lo:
                    break
                out = self.forward(x[:, lo:hi])
                if "closure_logit" in out:
                    out["closure"] = torch.sigmoid(out["closure_logit"])
                for k in ("coeffs", "head", "closure"):
                    if k in out:
                        parts.setdefault(k, []).append(out[k][0, start - lo: min(n, start + chunk) - lo].numpy())
            k_out = len(self.config.targets)
            res = {"coeffs": np.concatenate(parts["coeffs"]) if parts else np.zeros((0, k_out), np.float32)}
            for k in ("head", "closure"):
                if k in parts:
                    res[k] = np.concatenate(parts[k])
            return res
        finally:
            torch.set_num_threads(threads)
            self.train(was_training)


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
    (``audio.encoders.recognise_phones``, allphone decoding, ~0.3-0.5 s per 10 s of speech), combined with
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
    """(K,) inner-lip gap [cm] per unit of each target: the face model's mid inner-lip landmarks 13 / 14
    (upper minus lower height), the geometry the renderer draws. > 0 parts the lips (jawOpen +3.3,
    mouthFunnel +1.4), < 0 brings them together (mouthClose -3.9)."""
    from tritalk.face.model import FaceModel

    fm = FaceModel.load()
    d = fm.expr_basis[:, 13, 1] - fm.expr_basis[:, 14, 1]  # (52,)
    return (expansion_matrix(targets) @ d).astype(np.float32)


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
    from tritalk.audio.encoders import recognise_phones

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
    from scipy.ndimage import gaussian_filter1d, maximum_filter1d

    lead, hold = int(round(post.gate_lead_s * fps)), int(round(post.gate_hold_s * fps))
    width = lead + hold + 1
    # Window [t - hold, t + lead]: origin shifts the max filter's window towards the future by (lead - hold) / 2.
    v = maximum_filter1d(vad.astype(np.float64), size=width, mode="nearest", origin=-((lead - hold) // 2))
    lo, hi = post.gate_on
    g = np.clip((v - lo) / (hi - lo), 0.0, 1.0)
    return gaussian_filter1d(g, max(0.5, 0.03 * fps), mode="nearest")


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
    def load(cls, directory: str | Path | None = None, audio_encoder_path: str | None = None) -> "LearnedSpeechMotion":
        model = _load_model(str(directory or default_checkpoint_dir()))
        enc_cfg = model.config.encoder
        if audio_encoder_path is not None:
            enc_cfg = replace(enc_cfg, path=str(audio_encoder_path))
        return cls(model, build_encoder(enc_cfg))

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
            from scipy.ndimage import gaussian_filter1d

            coeffs = gaussian_filter1d(coeffs, self.post.smooth_s * fps, axis=0, mode="nearest")
        if n:
            coeffs = coeffs * silence_gate(vad, fps, self.post)[:, None]
        if "jawOpen" in self.model.config.targets:
            coeffs[:, self.model.config.targets.index("jawOpen")] *= self.post.jaw_gain
        closure = None
        if n:
            closure = self.closure(pred, fps, n, audio if isinstance(audio, AudioFeatures) else None, audio)
            if closure is not None:
                coeffs = close_lips(coeffs, closure, self.model.config.targets, self.post.closure_jaw_drop)
        expr = np.clip(coeffs @ self._expand, 0.0, 1.0).astype(np.float32)  # (T, 52)
        head = np.zeros((n, 6), np.float32)
        if "head" in pred:
            head[:, :3] = resample_frames(pred["head"], rate, fps, n)
        return Motion(expr, head, np.zeros((n, 2), np.float32), fps,
                      lip_closure=None if closure is None else np.clip(closure, 0.0, 1.0).astype(np.float32))


    def closure(self, pred: dict, fps: float, n: int, feats: AudioFeatures | None, audio) -> np.ndarray | None:
        """(n,) lip closure in [0, 1], the largest of: G_m's /p b m/ probability (``closure_head``) through
        ``post.head_closure``, v1's energy-dip rule (stop closures) x ``post.closure``, and the /p b m/ spans
        of the phone recogniser (``post.phone_closure``). None = none of them."""
        post, parts = self.post, []
        if "closure" in pred and post.head_closure is not None:
            p = resample_frames(pred["closure"][:, None], self.model.config.rate, fps, n)[:, 0]
            lo, hi = post.head_closure
            parts.append(np.clip((p - lo) / (hi - lo), 0.0, 1.0))
        if post.closure > 0:
            if feats is None:
                feats = audio_features(audio, fps, n)
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


@functools.lru_cache(maxsize=4)
def _load_model(directory: str) -> MotionGenerator:
    return MotionGenerator.from_pretrained(directory)


MOTION_MODELS = ("gm", "v1")


def load_speech_generator(name: str = "gm", audio_encoder_path: str | None = None):
    """A speech -> mouth generator by name (``gm``, ``v1``) or checkpoint directory."""
    if name == "v1":
        return SpeechMotion()
    if name == "gm":
        return LearnedSpeechMotion.load(None, audio_encoder_path)
    path = Path(name)
    if path.is_dir():
        return LearnedSpeechMotion.load(path, audio_encoder_path)
    raise ConfigError(f"unknown motion model '{name}'; choose one of: {', '.join(MOTION_MODELS)}, "
                      "or give a checkpoint directory (config.json + model.safetensors)")
