"""Tiny prepared data sets on disk (the layout `tritalk prepare` writes), made from the real test speech."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tritalk.io.audio import load_audio
from tritalk.types import IDX, N_EXPR

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny models: one thread is many times faster than two oversubscribed ones on a busy 2-core CI."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="session")
def speech16k() -> np.ndarray:
    from scipy import signal

    clip = load_audio(DATA / "fleurs_en_000.wav")
    x = clip.samples if clip.sample_rate == 16000 else signal.resample_poly(clip.samples, 16000, clip.sample_rate)
    return x[: 16000 * 3].astype(np.float32)


@pytest.fixture(scope="session")
def prepared(tmp_path_factory, speech16k) -> Path:
    """Two 'real' clips: the speech with a jawOpen track that follows its loudness, + allphone-like spans."""
    root = tmp_path_factory.mktemp("prepared")
    (root / "clips").mkdir()
    n = 75
    frames = speech16k[: n * 640].reshape(n, 640)
    level = np.sqrt((frames ** 2).mean(axis=1))
    jaw = 0.05 + 0.3 * level / level.max()
    records = []
    for k in range(2):
        expr = np.zeros((n, N_EXPR), np.float32)
        expr[:, IDX["jawOpen"]] = jaw
        expr[:, IDX["mouthClose"]] = 0.02
        if k == 1:
            expr[5:8] = np.nan  # no face found on three frames
        phones = np.array(["SIL", "B", "AA", "M", "IY", "P", "OW", "SIL"])
        starts = np.array([0.0, 0.3, 0.4, 0.7, 0.8, 1.4, 1.5, 2.2])
        ends = np.append(starts[1:], 3.0)
        np.savez_compressed(root / "clips" / f"clip{k}.npz", expr=expr, head=np.zeros((n, 6), np.float32),
                            audio=speech16k, fps=np.float64(25.0), phones=phones, phones_start=starts,
                            phones_end=ends)
        records.append(dict(id=f"clip{k}", speaker=f"spk{k}", layout="other", transcript=None, frames=n,
                            fps=25.0, face_rate=1.0, source="real"))
    (root / "index.json").write_text(json.dumps(records))
    return root


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory, speech16k) -> Path:
    """One 'synthetic' clip in the layout of training/synth.make_synthetic (IPA spans)."""
    root = tmp_path_factory.mktemp("synthetic")
    (root / "clips").mkdir()
    ipa = np.array(["b", "ˈa", "m", "i", "", "p", "o"])
    starts = np.array([0.2, 0.3, 0.6, 0.7, 1.0, 1.3, 1.4])
    ends = np.append(starts[1:], 2.0)
    np.savez_compressed(root / "clips" / "syn_00000.npz", audio=speech16k, fps=np.float64(25.0), ipa=ipa,
                        ipa_start=starts, ipa_end=ends)
    (root / "index.json").write_text(json.dumps([dict(id="syn_00000", speaker="en-us", source="synthetic",
                                                      frames=75, fps=25.0)]))
    return root
