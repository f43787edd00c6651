"""The learned metrics without their weights: a clear n/a naming where the weights were looked for."""

import numpy as np

from tritalk.eval.networks import WEIGHT_FILES, NetworkWeights


def test_missing_weights_read_na_with_the_path(tmp_path):
    frames = np.zeros((2, 8, 8, 3), np.uint8)
    got = NetworkWeights(tmp_path).metrics(frames, frames, None, reference_view=True)
    assert set(got) == set(WEIGHT_FILES)
    assert got["LSE-C"] == f"n/a (no weights at {tmp_path / 'syncnet_v2.model'})"
    assert NetworkWeights(None).metrics(frames, frames, None, reference_view=True)["FID"].startswith("n/a (no weights")


def test_novel_views_skip_full_reference_networks():
    frames = np.zeros((2, 8, 8, 3), np.uint8)
    got = NetworkWeights(None).metrics(frames, frames, None, reference_view=False)
    assert "FID" not in got and "LPIPS" not in got and "LSE-C" in got
