"""The tri-plane portrait generator of Fig. 2, its boxes wired together (Sec. III-B):

    reference image ─► E_id ─► w_id ─► M_e(· | emotion weights) ─► w^e ─┐
    ARKit window (11, 52) ─► E_m ─► z_m ────────────────────────────────┴► G ─► tri-planes
    tri-planes + camera ─► volume renderer ─► features, opacity (r x r) ─► R(·, w^e) ─► RGB, alpha (S x S)

Output colours are premultiplied by the opacity: the network renders the head alone, and the engine
composites it over hair, body and background (triplane_engine.py says why). ``TRIPLANE_CONFIGS`` holds
``tiny`` (trains on a 2-core CPU in under an hour), ``tiny128`` (the same with R drawing 128²) and
``base`` (the paper's scale, for GPUs).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch
from torch import nn

from tritalk.io.checkpoint import Pretrained
from tritalk.neural.emotion_mapper import EmotionMapper
from tritalk.neural.identity_encoder import IdentityEncoder
from tritalk.neural.motion_encoder import WINDOW, MotionEncoder
from tritalk.neural.superres import SuperResolution
from tritalk.neural.triplane import TriplaneSynthesis
from tritalk.neural.volume import TriplaneDecoder, render_planes


@dataclass(frozen=True)
class TriplaneNetConfig:
    w_dim: int = 64
    """Identity code size (PV3D / EG3D: 512)."""
    z_dim: int = 32
    """Motion code size."""
    encoder_channels: int = 16
    encoder_input: int = 64
    """E_id reads the reference window at this size (pixels)."""
    motion_channels: int = 64
    motion_res_blocks: int = 2
    mapper_hidden: int = 64
    mapper_levels: int = 2
    synth_channels: int = 48
    plane_res: int = 32
    plane_channels: int = 16
    decoder_hidden: int = 32
    feature_dim: int = 16
    """Channels of the volume-rendered feature image; the first three are RGB."""
    render_res: int = 32
    """Rays per side of the volume-rendered image (EG3D: 128)."""
    n_coarse: int = 12
    n_fine: int = 12
    box: float = 1.0
    """The tri-plane covers [-box, box]^3 world units (1 = half the neural window at the head centre)."""
    sr_channels: int = 32
    sr_layers: int = 2
    out_res: int = 64
    """R's output size: the head window's pixels before the engine resizes it into the frame."""
    sr_upsamples: int = 0
    """R's x2 upsampling blocks after its first refinement (superres.py): that refinement runs at
    out_res / 2^sr_upsamples (``tiny128``: 1, so its first part is ``tiny``'s R at 64² and loads from it)."""
    window: float = 0.62
    """The neural window's half width as a share of the frame's half width (photo crop): it holds the whole
    face, forehead and chin at the photo's framing (tritalk's crop puts the face at the same scale)."""

    def __post_init__(self):
        from tritalk.errors import ConfigError

        for name in ("w_dim", "z_dim", "plane_res", "render_res", "out_res", "n_coarse"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"triplane config {name} must be > 0")
        if self.sr_upsamples < 0 or self.out_res % (2 ** self.sr_upsamples):
            raise ConfigError(f"triplane config out_res {self.out_res} must be divisible by 2^sr_upsamples "
                              f"({self.sr_upsamples})")
        if self.feature_dim < 3:
            raise ConfigError("triplane config feature_dim must be >= 3 (RGB comes first)")
        if not 0.1 <= self.window <= 1.0:
            raise ConfigError(f"triplane window {self.window} is out of range; use 0.1 to 1")


TRIPLANE_CONFIGS: dict[str, TriplaneNetConfig] = {
    # 2-core CPU: ~0.3 s a training step of 4 images; 64 px out
    "tiny": TriplaneNetConfig(),
    # tiny with R drawing 128² (one more upsampling block; the volume, planes and rays unchanged): the mouth
    # gets 4x the pixels; fine-tuned from tiny (``--config tiny128-finetune --init`` the 64² checkpoint)
    "tiny128": TriplaneNetConfig(out_res=128, sr_upsamples=1),
    # the paper's scale (PV3D / EG3D widths): a GPU with >= 24 GB
    "base": dataclasses.replace(TriplaneNetConfig(), w_dim=512, z_dim=256, encoder_channels=64, encoder_input=256,
                                motion_channels=256, motion_res_blocks=4, mapper_hidden=512, mapper_levels=4,
                                synth_channels=256, plane_res=256, plane_channels=32, decoder_hidden=64,
                                feature_dim=32, render_res=64, n_coarse=48, n_fine=48, sr_channels=128,
                                sr_layers=4, out_res=256),
}


@dataclass(frozen=True)
class PortraitOutput:
    rgb: torch.Tensor  # (B, 3, S, S) premultiplied RGB in [0, 1] after R
    alpha: torch.Tensor  # (B, 1, S, S) opacity in [0, 1]
    raw_rgb: torch.Tensor  # (B, 3, r, r) the volume renderer's own RGB (premultiplied), before R
    raw_alpha: torch.Tensor  # (B, 1, r, r)
    w: torch.Tensor  # (B, W) E_id(I) + w̄_id
    w_e: torch.Tensor  # (B, W) after M_e
    z_m: torch.Tensor  # (B, Z)


class TriplaneGenerator(nn.Module, Pretrained):
    """E_id, M_e, E_m, G, the volume decoder and R. ``__init__`` builds random weights and loads nothing."""

    Config = TriplaneNetConfig

    def __init__(self, config: TriplaneNetConfig = TriplaneNetConfig()):
        super().__init__()
        c = self.config = config
        self.identity_encoder = IdentityEncoder(c.w_dim, c.encoder_channels)
        self.emotion_mapper = EmotionMapper(c.w_dim, c.mapper_hidden, c.mapper_levels)
        self.motion_encoder = MotionEncoder(c.z_dim, c.motion_channels, c.motion_res_blocks, WINDOW)
        self.synthesis = TriplaneSynthesis(c.w_dim, c.z_dim, c.synth_channels, c.plane_res, c.plane_channels)
        self.decoder = TriplaneDecoder(c.plane_channels, c.decoder_hidden, c.feature_dim)
        self.superres = SuperResolution(c.feature_dim, c.sr_channels, c.w_dim, c.out_res, c.sr_layers,
                                        c.sr_upsamples)

    def identity(self, reference: torch.Tensor, emotion: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """E_id(I | e) = M_e(E_id(I) + w̄_id | e): (w, w^e), each (B, W)."""
        w = self.identity_encoder(reference)
        return w, self.emotion_mapper(w, emotion)

    def render(self, w_e: torch.Tensor, z_m: torch.Tensor, world2cam: torch.Tensor, focal: torch.Tensor,
               jitter: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """G, the volume renderer and R: (rgb, alpha, raw_rgb, raw_alpha)."""
        c = self.config
        planes = self.synthesis(w_e, z_m)
        out = render_planes(planes, self.decoder, world2cam, focal, c.render_res, c.n_coarse, c.n_fine, c.box,
                            jitter)
        rgb, alpha = self.superres(out.features, out.alpha, w_e)
        return rgb, alpha, out.features[:, :3], out.alpha

    def forward(self, reference: torch.Tensor, windows: torch.Tensor, emotion: torch.Tensor,
                world2cam: torch.Tensor, focal: torch.Tensor, jitter: bool = False) -> PortraitOutput:
        w, w_e = self.identity(reference, emotion)
        z_m = self.motion_encoder(windows)
        rgb, alpha, raw_rgb, raw_alpha = self.render(w_e, z_m, world2cam, focal, jitter)
        return PortraitOutput(rgb, alpha, raw_rgb, raw_alpha, w, w_e, z_m)
