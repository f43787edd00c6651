"""The loss networks of eqs. (2) and (3): VGG-19 (L_VGG), ArcFace (L_ID), CLIP (L_CLIP), and what stands in
for each when its weights are absent.

None of these weights ships in a package this project can install, and nothing here downloads: each loads
from a local path the user gives (real loading code, tested on tiny random checkpoints saved in the same
format):

  VGG-19   a torchvision-format state dict (``features.<i>.weight`` / ``.bias``, e.g. vgg19-dcbb9e9d.pth),
           loaded into our own copy of the VGG-19 convolution stack; L_VGG = L1 between relu1_2 .. relu5_2.
  ArcFace  an insightface ``iresnet`` state dict (``backbone.pth``: conv1, bn1, prelu, layer1..4, bn2, fc,
           features); the depth (r18 / r34 / r50 / r100) is read from the keys; L_ID = 1 - cos.
  CLIP     a Hugging Face CLIP folder (config.json, model.safetensors, vocab.json, merges.txt) through
           ``transformers`` with ``local_files_only``; L_CLIP = 1 - cos(image, "a <emotion> face").

When a path is not given, the substitute is named plainly in the config, the logs and train_info.json
(never as the network it replaces):

  "laplacian-pyramid-l1"   for L_VGG: L1 over a 4-level Laplacian pyramid (edges at several scales)
  "random-conv-embedding"  for L_ID: 1 - cos between embeddings of a fixed, randomly initialised conv net
                           (seeded; random features keep the image's structure, a known weak identity proxy)
  "prototype-render"       for L_CLIP (stage 3): L1 to the generator's own render of the emotion's FACS
                           prototype expression through E_m (what the emotion should look like on this face)

The auditor's networks (dlib, the FER2013 models) are never used: they judge the results.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from tritalk.errors import WeightsError
from tritalk.neural.iresnet import IResNet

logger = logging.getLogger(__name__)

VGG19_LAYERS = (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M")
VGG_TAPS = (3, 8, 17, 26, 31)  # relu1_2, relu2_2, relu3_4, relu4_4, relu5_2 in torchvision's features indices
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _load_state(path: Path, what: str, flag: str) -> dict:
    if not path.is_file():
        raise WeightsError(f"no {what} weights at '{path}'; give the file with {flag} or leave it out "
                           "to train with the named substitute")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(path))
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # a truncated or foreign file: one line, not a pickle traceback
        raise WeightsError(f"{what} weights at '{path}' are unreadable ({type(e).__name__}); give a state dict "
                           f"saved with torch.save or safetensors ({flag})") from None
    return state.get("state_dict", state) if isinstance(state, dict) else state


class VGG19Features(nn.Module):
    """torchvision's VGG-19 ``features`` stack (same indices, so its state dict loads as is), widths / ``scale``."""

    def __init__(self, scale: int = 1):
        super().__init__()
        layers: list[nn.Module] = []
        c = 3
        for v in VGG19_LAYERS:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(c, v // scale, 3, padding=1), nn.ReLU(inplace=False)]
                c = v // scale
        self.features = nn.Sequential(*layers)

    @classmethod
    def from_file(cls, path: str | Path) -> "VGG19Features":
        state = _load_state(Path(path), "VGG-19", "--vgg")
        state = {k: v for k, v in state.items() if k.startswith("features.")}
        if "features.0.weight" not in state:
            raise WeightsError(f"'{path}' has no VGG-19 'features.*' weights; give torchvision's vgg19 state dict")
        scale = 64 // state["features.0.weight"].shape[0]
        model = cls(max(1, scale))
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError as e:
            raise WeightsError(f"'{path}' is not a VGG-19 state dict ({str(e).splitlines()[0]})") from None
        return model.eval().requires_grad_(False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        mean = torch.tensor(IMAGENET_MEAN, device=x.device).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD, device=x.device).view(1, 3, 1, 1)
        h, taps = (x - mean) / std, []
        for i, layer in enumerate(self.features):
            h = layer(h)
            if i in VGG_TAPS:
                taps.append(h)
            if i >= VGG_TAPS[-1]:
                break
        return taps


class PerceptualLoss(nn.Module):
    """L_VGG with VGG-19 weights, or the Laplacian-pyramid substitute (``name`` says which)."""

    def __init__(self, vgg_path: str | None = None):
        super().__init__()
        self.vgg = VGG19Features.from_file(vgg_path) if vgg_path else None
        self.name = "vgg19" if self.vgg is not None else "laplacian-pyramid-l1"

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.vgg is not None:
            return sum(F.l1_loss(a, b) for a, b in zip(self.vgg(pred), self.vgg(target)))
        return laplacian_pyramid_l1(pred, target)


def laplacian_pyramid_l1(pred: torch.Tensor, target: torch.Tensor, levels: int = 4) -> torch.Tensor:
    """Σ_levels 2^level · L1 of the Laplacian bands (fine edges and coarse shapes weigh alike)."""
    loss = pred.new_zeros(())
    a, b = pred, target
    for level in range(levels):
        a_down, b_down = F.avg_pool2d(a, 2), F.avg_pool2d(b, 2)
        a_up = F.interpolate(a_down, size=a.shape[-2:], mode="bilinear", align_corners=False)
        b_up = F.interpolate(b_down, size=b.shape[-2:], mode="bilinear", align_corners=False)
        loss = loss + (2 ** level) * F.l1_loss(a - a_up, b - b_up)
        a, b = a_down, b_down
        if min(a.shape[-2:]) < 4:
            break
    return loss + F.l1_loss(a, b)


def load_arcface_backbone(path: str | Path) -> IResNet:
    """ArcFace's iresnet from an insightface ``backbone.pth`` (neural/iresnet.py), frozen, for L_ID."""
    return IResNet.from_state(_load_state(Path(path), "ArcFace", "--arcface"), str(path)).requires_grad_(False)


class RandomConvEmbedding(nn.Module):
    """The L_ID substitute: a fixed conv net with seeded random weights (never trained, never saved)."""

    def __init__(self, seed: int = 1234, dim: int = 128):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        chans = (3, 16, 32, 64, dim)
        self.weights = [torch.randn(o, i, 3, 3, generator=g) / (i * 9) ** 0.5 for i, o in zip(chans, chans[1:])]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x * 2 - 1
        for w in self.weights:
            h = F.leaky_relu(F.conv2d(h, w.to(h.device), stride=2, padding=1), 0.2)
        return h.flatten(1)


class IdentityLoss(nn.Module):
    """L_ID = 1 - cos(embed(pred), embed(target)) on 112 x 112 resizes of the head windows."""

    def __init__(self, arcface_path: str | None = None):
        super().__init__()
        self.net = load_arcface_backbone(arcface_path) if arcface_path else RandomConvEmbedding()
        self.name = "arcface" if arcface_path else "random-conv-embedding"

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """``pred``, ``target`` (B, 3, H, W) in [0, 1]."""
        a = F.interpolate(pred, size=(112, 112), mode="bilinear", align_corners=False)
        b = F.interpolate(target, size=(112, 112), mode="bilinear", align_corners=False)
        if isinstance(self.net, IResNet):  # ArcFace takes [-1, 1]
            a, b = a * 2 - 1, b * 2 - 1
        return (1 - F.cosine_similarity(self.net(a), self.net(b), dim=1)).mean()


class ClipEmotionLoss(nn.Module):
    """L_CLIP from a local Hugging Face CLIP folder: 1 - cos(image embedding, text embedding of the emotion)."""

    def __init__(self, clip_path: str):
        super().__init__()
        from tritalk.types import EMOTIONS

        d = Path(clip_path)
        if not (d / "config.json").is_file():
            raise WeightsError(f"no CLIP model folder at '{d}' (config.json, model.safetensors, vocab.json, "
                               "merges.txt); give it with --clip or leave it out to train with the substitute")
        try:
            from transformers import CLIPModel, CLIPTokenizer

            self.model = CLIPModel.from_pretrained(str(d), local_files_only=True).eval().requires_grad_(False)
            tok = CLIPTokenizer.from_pretrained(str(d), local_files_only=True)
        except (OSError, ValueError) as e:
            raise WeightsError(f"CLIP folder '{d}' is unreadable ({str(e).splitlines()[0]})") from None
        with torch.no_grad():
            inputs = tok([f"a photo of a {e} face" for e in EMOTIONS], padding=True, return_tensors="pt")
            text = self.model.get_text_features(**inputs)
            text = getattr(text, "pooler_output", text)
        self.register_buffer("text", F.normalize(text, dim=-1), persistent=False)
        self.size = self.model.config.vision_config.image_size
        self.name = "clip"

    def forward(self, image: torch.Tensor, emotion_index: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(image, size=(self.size, self.size), mode="bilinear", align_corners=False)
        mean = torch.tensor((0.4815, 0.4578, 0.4082), device=x.device).view(1, 3, 1, 1)
        std = torch.tensor((0.2686, 0.2613, 0.2758), device=x.device).view(1, 3, 1, 1)
        feats = self.model.get_image_features(pixel_values=(x - mean) / std)
        feats = F.normalize(getattr(feats, "pooler_output", feats), dim=-1)
        return (1 - (feats * self.text[emotion_index]).sum(-1)).mean()


def histogram_loss(pred: torch.Tensor, target: torch.Tensor, bins: int = 16) -> torch.Tensor:
    """L_sim: L1 between soft (differentiable, triangular-kernel) per-channel colour histograms."""
    centres = torch.linspace(0, 1, bins, device=pred.device)

    def hist(x: torch.Tensor) -> torch.Tensor:
        v = x.flatten(2)[..., None]  # (B, 3, P, 1)
        h = (1 - (v - centres).abs() * (bins - 1)).clamp_min(0).sum(2)
        return h / h.sum(-1, keepdim=True).clamp_min(1e-6)

    return (hist(pred) - hist(target)).abs().sum(-1).mean()
