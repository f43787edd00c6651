"""SyncNet's loader and the LSE-C / LSE-D computation, on a random checkpoint saved in syncnet_v2.model's format."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tritalk.errors import WeightsError  # noqa: E402
from tritalk.eval.networks import NetworkWeights  # noqa: E402
from tritalk.eval.syncnet import build_syncnet, load_syncnet, mfcc  # noqa: E402
from tritalk.types import AudioClip  # noqa: E402


@pytest.fixture(scope="module")
def weights_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("weights")
    torch.manual_seed(0)
    torch.save(build_syncnet().state_dict(), d / "syncnet_v2.model")  # as syncnet_python ships it: a state dict
    return d


def test_random_checkpoint_gives_lse_numbers(weights_dir):
    rng = np.random.default_rng(0)
    crops = rng.integers(0, 256, (12, 64, 64, 3), dtype=np.uint8)
    audio = AudioClip(rng.normal(0, 0.1, 8000).astype(np.float32), 16000)  # 0.5 s
    got = NetworkWeights(weights_dir).metrics(crops, crops, audio, reference_view=True)
    assert isinstance(got["LSE-D"], float) and got["LSE-D"] > 0
    assert isinstance(got["LSE-C"], float) and got["LSE-C"] >= 0  # median - min of the same distances
    again = NetworkWeights(weights_dir).metrics(crops, crops, audio, reference_view=True)
    assert again["LSE-D"] == pytest.approx(got["LSE-D"], rel=1e-5)  # loaded weights, eval mode: deterministic
    assert got["FID"].startswith("n/a (no weights at")


def test_loader_rejects_other_files(tmp_path):
    with pytest.raises(WeightsError, match="not found"):
        load_syncnet(tmp_path / "syncnet_v2.model")
    bad = tmp_path / "bad.model"
    torch.save({"netcnnaud.0.weight": torch.zeros(3)}, bad)
    with pytest.raises(WeightsError, match="does not match SyncNet"):
        load_syncnet(bad)
    junk = tmp_path / "junk.model"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsError, match="not a SyncNet state dict"):
        load_syncnet(junk)


def test_mfcc_frames_and_energy_coefficient():
    x = np.random.default_rng(1).normal(0, 1000, 16000)
    cc = mfcc(x)
    assert cc.shape == (13, 99)  # 1 + ceil((16000 - 400) / 160) frames of 25 ms every 10 ms
    louder = mfcc(x * 10)
    # x10 amplitude = x100 power: c0 (log frame energy) rises by log(100); the other cepstra stay
    assert np.allclose(louder[0] - cc[0], np.log(100.0), atol=1e-6)
    assert np.allclose(louder[1:], cc[1:], atol=1e-6)


def test_lpips_from_random_checkpoints(tmp_path):
    """LPIPS-Alex loads torchvision- and lpips-format state dicts; identical frames give 0, different ones > 0."""
    from tritalk.eval.lpips import build_lpips, load_lpips, lpips_distance

    torch.manual_seed(0)
    net = build_lpips()
    sd = net.state_dict()
    torch.save({k: v for k, v in sd.items() if k.startswith("features.")} | {"classifier.1.weight": torch.zeros(2)},
               tmp_path / "alexnet.pth")
    torch.save({k: v.abs() for k, v in sd.items() if k.startswith("lin")}, tmp_path / "lpips_alex.pth")
    loaded = load_lpips(tmp_path)
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)
    b = rng.integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)
    assert lpips_distance(loaded, a, a) == pytest.approx(0.0, abs=1e-7)
    assert lpips_distance(loaded, a, b) > 0
    got = NetworkWeights(tmp_path).metrics(a, b, None, reference_view=True)
    assert isinstance(got["LPIPS"], float) and got["LPIPS"] > 0
    (tmp_path / "alexnet.pth").unlink()
    with pytest.raises(WeightsError, match="alexnet.pth"):
        load_lpips(tmp_path)
