"""Micro tri-plane configs and synthetic pair data: every neural test runs in seconds on one CPU thread."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from tritalk.neural.generator import TriplaneNetConfig

MICRO = dataclasses.replace(TriplaneNetConfig(), w_dim=16, z_dim=8, encoder_channels=4, encoder_input=32,
                            motion_channels=8, motion_res_blocks=1, mapper_hidden=16, synth_channels=8, plane_res=8,
                            plane_channels=4, decoder_hidden=8, feature_dim=4, render_res=8, n_coarse=6, n_fine=4,
                            sr_channels=8, sr_layers=2, out_res=16)


@pytest.fixture(autouse=True)
def one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def make_pair_data(path, n_subjects: int = 2, per_subject: int = 4, res: int = 16, seed: int = 0,
                   mouths: bool = True):
    """A .npz in training/triplane_data.py's layout: each subject a coloured disc (its 'face') whose size
    follows jawOpen, seen from cameras at yaw 0 / +-20; its 'mouth' region is the disc's lower half
    (``mouths=False``: the layout of data built before mouth regions were stored)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:res, :res] / res - 0.5
    images, masks, windows, emotion, cams, source, refs, mouth = [], [], [], [], [], [], [], []
    for s in range(n_subjects):
        colour = rng.uniform(40, 220, 3)
        refs.append(np.broadcast_to(colour, (res, res, 3)).astype(np.uint8))
        for k in range(per_subject):
            jaw = k / max(1, per_subject - 1)
            yaw = (-20.0, 0.0, 20.0)[k % 3]
            disc = (((xx - yaw / 200) ** 2 + yy ** 2) < (0.2 + 0.1 * jaw) ** 2).astype(np.float32)
            images.append((disc[..., None] * colour + (1 - disc[..., None]) * 128).astype(np.uint8))
            masks.append((disc * 255).astype(np.uint8))
            mouth.append((disc * (yy > 0.05) * 255).astype(np.uint8))
            w = np.zeros((11, 52), np.float16)
            w[:, 17] = jaw
            windows.append(w)
            e = np.zeros(8, np.float32)
            e[0] = 1
            emotion.append(e)
            cams.append([yaw, 0.0, 4.0])
            source.append(s)
    extra = {"mouths": np.array(mouth)} if mouths else {}
    np.savez(path, **extra, images=np.array(images), masks=np.array(masks), windows=np.array(windows),
             emotion=np.array(emotion), cams=np.array(cams, np.float32), source=np.array(source, np.int32),
             refs=np.array(refs), kind=np.zeros(len(images), np.uint8), names=np.array([f"s{i}" for i in range(n_subjects)]),
             res=np.array(res), window=np.array(0.62))
    return path


@pytest.fixture
def micro() -> TriplaneNetConfig:
    """The smallest generator that still has every part (8^2 rays, 16^2 output)."""
    return MICRO


@pytest.fixture
def pair_data(tmp_path):
    return make_pair_data(tmp_path / "pairs.npz")


@pytest.fixture
def old_pair_data(tmp_path):
    """Pair data without mouth regions (built before they were stored)."""
    return make_pair_data(tmp_path / "old_pairs.npz", mouths=False)
