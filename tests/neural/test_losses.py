"""losses.py: the VGG-19, ArcFace and CLIP loaders read tiny random checkpoints saved in the real formats;
without weights, the substitutes are named plainly and still measure what they stand in for."""

from __future__ import annotations

import json

import pytest
import torch

from tritalk.errors import WeightsError
from tritalk.neural.losses import (IdentityLoss, IResNet, PerceptualLoss, VGG19Features, histogram_loss,
                                   laplacian_pyramid_l1, load_arcface_backbone)


def test_vgg19_loads_a_torchvision_format_state_dict(tmp_path):
    torch.manual_seed(0)
    src = VGG19Features(scale=16)  # torchvision's key names (features.<i>.weight), widths / 16
    torch.save(src.state_dict(), tmp_path / "vgg19.pth")
    loss = PerceptualLoss(str(tmp_path / "vgg19.pth"))
    assert loss.name == "vgg19"
    x = torch.rand(1, 3, 32, 32)
    assert all(torch.equal(a, b) for a, b in zip(loss.vgg(x), src(x)))
    assert float(loss(x, x)) == 0.0 and float(loss(x, torch.rand(1, 3, 32, 32))) > 0


def test_arcface_iresnet_depth_is_read_from_the_keys(tmp_path):
    torch.manual_seed(0)
    src = IResNet((1, 2, 1, 1), widths=(8, 8, 16, 16, 16), embedding=12).eval()
    torch.save(src.state_dict(), tmp_path / "backbone.pth")
    loaded = load_arcface_backbone(tmp_path / "backbone.pth")
    x = torch.rand(2, 3, 112, 112)
    assert torch.allclose(loaded(x), src(x))
    loss = IdentityLoss(str(tmp_path / "backbone.pth"))
    assert loss.name == "arcface" and float(loss(x, x)) < 1e-5


def test_clip_loads_a_hugging_face_folder(tmp_path):
    transformers = pytest.importorskip("transformers")
    from tritalk.neural.losses import ClipEmotionLoss

    cfg = transformers.CLIPConfig(
        text_config=dict(vocab_size=520, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, max_position_embeddings=32),
        vision_config=dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                           image_size=32, patch_size=8), projection_dim=8)
    torch.manual_seed(0)
    transformers.CLIPModel(cfg).save_pretrained(tmp_path)
    # a byte-level vocabulary with no merges: enough for CLIPTokenizer to read and encode the prompts
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars = [chr(b) for b in printable] + [chr(256 + n) for n in range(256 - len(printable))]  # GPT-2's byte map
    vocab = {c: i for i, c in enumerate(chars + [c + "</w>" for c in chars] + ["<|startoftext|>", "<|endoftext|>"])}
    (tmp_path / "vocab.json").write_text(json.dumps(vocab))
    (tmp_path / "merges.txt").write_text("#version: 0.2\n")
    loss = ClipEmotionLoss(str(tmp_path))
    assert loss.name == "clip" and loss.text.shape == (8, 8)
    value = loss(torch.rand(2, 3, 64, 64), torch.tensor([5, 1]))
    assert torch.isfinite(value) and 0.0 <= float(value) <= 2.0


def test_missing_or_foreign_weights_are_one_line_errors(tmp_path):
    with pytest.raises(WeightsError, match="no VGG-19 weights at"):
        PerceptualLoss(str(tmp_path / "nope.pth"))
    torch.save({"conv.weight": torch.zeros(1)}, tmp_path / "other.pth")
    with pytest.raises(WeightsError, match="not an insightface iresnet"):
        load_arcface_backbone(tmp_path / "other.pth")
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsError, match="unreadable"):
        VGG19Features.from_file(tmp_path / "junk.pth")


def test_substitutes_are_named_and_measure_differences():
    p, i = PerceptualLoss(), IdentityLoss()
    assert p.name == "laplacian-pyramid-l1" and i.name == "random-conv-embedding"
    torch.manual_seed(0)
    a = torch.rand(2, 3, 32, 32)
    blurred = torch.nn.functional.avg_pool2d(a, 3, 1, 1)
    assert float(laplacian_pyramid_l1(a, a)) == 0.0 and float(laplacian_pyramid_l1(a, blurred)) > 0.01
    assert float(i(a, a)) < 1e-6 and float(i(a, torch.rand(2, 3, 32, 32))) > float(i(a, a))
    assert float(histogram_loss(a, a)) == 0.0 and float(histogram_loss(a, a * 0.5)) > 0.1
