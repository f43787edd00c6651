"""CSIM's ArcFace, FID's Inception and the MEAD emotion classifier load from local weights in their published
layouts (random checkpoints saved in the same format) and score as the metrics are defined; a missing or malformed
file reads n/a / raises a WeightsError naming the path."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tritalk.errors import WeightsError
from tritalk.eval.arcface import ARCFACE_TEMPLATE, FIVE_POINTS, align_face, csim, load_arcface
from tritalk.eval.emotion_classifier import (build_resnet, emotion_accuracy, emotion_probabilities,
                                             load_emotion_classifier)
from tritalk.eval.inception import build_fid_inception, frechet_distance, inception_features, load_fid_inception
from tritalk.eval.landmark_metrics import similarity_align
from tritalk.eval.networks import NetworkWeights
from tritalk.neural.iresnet import IResNet
from tritalk.types import EMOTIONS

TINY = (1, 1, 1, 1)  # blocks per stage: the published r100 / ResNet-18 key layout, fewer blocks
SMALL = 75  # px: the smallest input Inception-v3's layers take (FID resizes to 299)


def _randomise_bn(net, seed: int = 0) -> None:
    """BatchNorm statistics as a trained network has them (not 0 / 1), so a loader that drops them shows."""
    g = torch.Generator().manual_seed(seed)
    for m in net.modules():
        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    """A --weights folder with random ArcFace (tiny r-net), FID Inception (full size) and emotion checkpoints."""
    folder = tmp_path_factory.mktemp("weights")
    torch.manual_seed(0)
    arc = IResNet(TINY).eval()
    _randomise_bn(arc)
    torch.save({f"module.{k}": v for k, v in arc.state_dict().items()}, folder / "arcface_r100.pth")  # DataParallel
    inc = build_fid_inception(input_size=SMALL).eval()  # the full network; frames resized to 75 px to stay fast
    _randomise_bn(inc, 1)
    (folder / "fid").mkdir()
    torch.save(inc.state_dict(), folder / "fid" / "pt_inception-2015-12-05.pth")
    emo = build_resnet(TINY, classes=len(EMOTIONS)).eval()
    with torch.no_grad():
        emo.fc.bias.copy_(torch.tensor([8.0 if e == "happy" else 0.0 for e in EMOTIONS]))  # it sees "happy" in all
    torch.save({"state_dict": emo.state_dict(), "classes": list(EMOTIONS)}, folder / "emotion_mead.pth")
    return folder, arc, inc, emo


def test_arcface_loads_the_published_layout_and_csim_is_one_for_the_same_face(weights, subject256):
    folder, arc, _, _ = weights
    net = load_arcface(folder / "arcface_r100.pth")
    face = align_face(subject256.image, subject256.observation.landmarks)
    x = torch.from_numpy(face[None].astype(np.float32) / 127.5 - 1).permute(0, 3, 1, 2)
    with torch.no_grad():
        assert torch.allclose(net(x), arc(x), atol=1e-5)  # every weight and statistic came back
    lm = subject256.observation.landmarks
    frames = subject256.image[None]
    same = csim(net, subject256.image, frames[:1], lm, lm[None])
    assert same == pytest.approx(1.0, abs=1e-5)
    noise = np.random.default_rng(0).integers(0, 255, subject256.image.shape, np.uint8)
    assert csim(net, subject256.image, noise[None], lm, lm[None]) < same - 1e-3
    assert np.isnan(csim(net, subject256.image, frames[:1], lm, np.full((1, 478, 3), np.nan)))  # no face found


def test_alignment_puts_the_five_points_on_arcface_template(subject256):
    src = subject256.observation.landmarks[list(FIVE_POINTS), :2].astype(np.float64)
    a, t = similarity_align(src, ARCFACE_TEMPLATE)
    assert np.abs(src @ a.T + t - ARCFACE_TEMPLATE).max() < 4.0  # px of the 112 px face: the eyes, nose, mouth land


def test_frechet_distance_matches_the_hand_computed_value():
    a, b = np.array([[0.0], [2.0]]), np.array([[3.0], [5.0]])  # means 1 and 4, variances 2 and 2
    assert frechet_distance(a, b) == pytest.approx(9.0 + 2 + 2 - 2 * 2.0)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)
    from scipy import linalg  # pytorch-fid's way: the root of the product of the covariances

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(30, 6)), rng.normal(1.0, 2.0, size=(20, 6)) @ rng.normal(size=(6, 6))
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    ref = (x.mean(0) - y.mean(0)) @ (x.mean(0) - y.mean(0)) + np.trace(s1 + s2 - 2 * linalg.sqrtm(s1 @ s2).real)
    assert frechet_distance(x, y) == pytest.approx(ref, rel=1e-6)


def test_fid_inception_loads_pytorch_fids_layout_and_scores_frames(weights):
    folder, _, inc, _ = weights
    net = load_fid_inception(folder / "fid" / "pt_inception-2015-12-05.pth")
    assert net.input_size == 299
    net.input_size = SMALL
    rng = np.random.default_rng(1)
    real = rng.integers(0, 255, (2, 64, 64, 3), np.uint8)
    other = np.clip(real.astype(int) // 2 + 100, 0, 255).astype(np.uint8)
    saved = inc.state_dict()
    assert all(torch.equal(v, saved[k]) for k, v in net.state_dict().items())  # every weight and statistic came back
    feats = inception_features(net, real)
    assert feats.shape == (2, 2048) and np.isfinite(feats).all()
    apart = frechet_distance(feats, inception_features(net, other))
    assert apart > 0 and abs(frechet_distance(feats, feats)) < 1e-6 * apart


def test_emotion_classifier_loads_with_its_classes_and_scores_the_asked_emotion(weights, subject256):
    folder, _, _, _ = weights
    clf = load_emotion_classifier(folder / "emotion_mead.pth")
    frames = np.stack([subject256.image] * 2)
    p = emotion_probabilities(clf, frames)
    assert set(p) == set(EMOTIONS) and sum(p.values()) == pytest.approx(1.0, abs=1e-5)
    assert max(p, key=p.get) == "happy"
    assert emotion_accuracy(clf, frames, "happy") == 1.0
    assert emotion_accuracy(clf, frames, "sad") == 0.0


def test_malformed_weights_are_one_line_weights_errors(tmp_path):
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    for load in (load_arcface, load_fid_inception, load_emotion_classifier):
        with pytest.raises(WeightsError, match="junk.pth"):
            load(tmp_path / "junk.pth")
        with pytest.raises(WeightsError, match="not found"):
            load(tmp_path / "absent.pth")
    torch.save({"fc.weight": torch.zeros(3, 512), "layer1.0.conv1.weight": torch.zeros(1)}, tmp_path / "wrong.pth")
    for load in (load_arcface, load_fid_inception, load_emotion_classifier):
        with pytest.raises(WeightsError, match="wrong.pth"):
            load(tmp_path / "wrong.pth")


def test_network_weights_folder_gives_numbers_where_the_files_are(weights, subject256):
    folder = weights[0]
    frames = np.stack([subject256.image] * 3)
    got = NetworkWeights(folder).metrics(frames, frames, None, reference_view=True, emotion="happy")
    assert got["CSIM"] == pytest.approx(1.0, abs=1e-4)  # the reference photo against itself, measured by MediaPipe
    assert got["emotion_acc"] == 1.0
    for metric in ("LSE-C", "LPIPS", "FID"):  # (FID's checkpoint is in a subfolder here)
        assert got[metric].startswith("n/a (no weights at"), got[metric]
