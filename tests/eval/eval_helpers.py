"""Helpers shared by the tests of tritalk.eval: a measured talking clip in the layout ``tritalk prepare`` writes
(real test speech, a jaw that follows its loudness). Import the fixture: ``from eval_helpers import measured_clip``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tritalk.audio.phones import PhoneSpan, arpabet_viseme
from tritalk.io.audio import load_audio
from tritalk.types import IDX, N_EXPR

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session")
def measured_clip() -> dict:
    x = load_audio(DATA / "fleurs_en_000.wav").samples[: 16000 * 3]  # 16 kHz
    n = 75  # 3 s at 25 fps
    level = np.sqrt((x[: n * 640].reshape(n, 640) ** 2).mean(axis=1))
    expr = np.zeros((n, N_EXPR), np.float32)
    expr[:, IDX["jawOpen"]] = 0.05 + 0.3 * level / level.max()
    expr[:, IDX["mouthClose"]] = 0.02
    timing = (("B", 0.3, 0.4), ("AA", 0.4, 0.7), ("M", 0.7, 0.8), ("IY", 0.8, 1.4), ("T", 1.4, 1.5), ("OW", 1.5, 2.2))
    spans = [PhoneSpan(p, arpabet_viseme(p), a, b) for p, a, b in timing]
    return dict(id="clip0", speaker="spk0", expr=expr, head=np.zeros((n, 6), np.float32), audio=x.astype(np.float32),
                fps=25.0, spans=spans, phones=spans)
