"""G_m (Sec. III-A2): audio features -> per-frame ARKit mouth coefficients, a transformer encoder.

    a_{1:T} = E_a(A)                                   (T, D)   audio/encoders.py
    x_t     = W [a_{t-δa}, ..., a_{t+δa}]              (T, d)   windowed features, δa = 2
    h       = TransformerEncoder(x)                    (T, d)   attention limited to +-attn_span frames
    e_t     = sigmoid(W_o h_t)                         (T, K)   mouth targets (MOUTH_TARGETS stems)

Attention is banded (each frame sees +-``attn_span`` frames per layer), so a clip of any length is
processed in chunks with an exact overlap (memory stays flat for 10 minutes of speech) and
``causal=True`` gives a streaming model (window and attention look only backwards: no latency beyond
one frame). Running it on audio at any fps, with the post-processing, is ``motion/learned_speech.py``;
the generators by name are in ``motion/registry.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from tritalk.arkit import shape_columns
from tritalk.audio.encoders import EncoderConfig
from tritalk.errors import ConfigError
from tritalk.io.checkpoint import Pretrained
from tritalk.motion.speech import MOUTH_TARGETS


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
            shape_columns(t)  # ConfigError on an unknown name
        if self.feature_mean and len(self.feature_mean) != self.in_dim:
            raise ConfigError(f"feature_mean has {len(self.feature_mean)} values, in_dim is {self.in_dim}")
        if self.output_scale and len(self.output_scale) != len(self.targets):
            raise ConfigError(f"output_scale has {len(self.output_scale)} values for {len(self.targets)} targets")

    @property
    def receptive_field(self) -> int:
        """Frames on each side that can influence one output frame."""
        return self.n_layers * self.attn_span + 2 * self.window


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
            self.train(was_training)
