"""Lips meet on /p b m/ (issue 5): the closure step of G_m's post-processing, the optional closure head,
closed synthetic targets, and the shipped model on real speech with forced-aligned bilabials."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from tritalk.arkit import expansion_matrix
from tritalk.audio.features import audio_features
from tritalk.audio.phones import PhoneSpan
from tritalk.face.model import inner_lip_gap, inner_lip_gap_weights
from tritalk.io.audio import load_audio
from tritalk.motion.generator import MotionGenerator, MotionGeneratorConfig
from tritalk.motion.lip_closure import close_lips, lip_gap_weights
from tritalk.motion.registry import load_speech_generator
from tritalk.motion.speech import MOUTH_TARGETS
from tritalk.training.synth import bilabial_track
from tritalk.types import IDX

DATA = Path(__file__).resolve().parents[1] / "data"
FPS = 25.0


def _gap(coeffs: np.ndarray) -> np.ndarray:
    """Inner-lip gap [cm] of the face model as rendered, as the evaluation measures it (eval/motion_metrics.py)."""
    return inner_lip_gap(coeffs @ expansion_matrix(MOUTH_TARGETS))


def test_close_lips_shuts_the_face_model_lips_and_keeps_the_jaw_moving():
    rng = np.random.default_rng(0)
    y = rng.uniform(0.0, 0.15, size=(50, len(MOUTH_TARGETS))).astype(np.float32)
    y[:, 0] = rng.uniform(0.1, 0.5, size=50)  # jawOpen: an open, talking mouth
    y[:, 1] = 0.0  # mouthClose
    open_gap = _gap(y)
    assert open_gap.min() > 0.2  # cm: clearly open

    shut = close_lips(y, np.ones(50), MOUTH_TARGETS, jaw_drop=0.4)
    assert np.abs(_gap(shut)).max() < 1e-3  # lips exactly together, not through each other
    assert (shut @ expansion_matrix(MOUTH_TARGETS) @ inner_lip_gap_weights() > -1e-3).all()
    np.testing.assert_allclose(shut[:, 0], 0.6 * y[:, 0], rtol=1e-5)  # the jaw rises but still moves
    assert shut.min() >= 0.0 and shut.max() <= 1.0

    np.testing.assert_allclose(close_lips(y, np.zeros(50), MOUTH_TARGETS), y)  # no closure: unchanged
    half = close_lips(y, np.full(50, 0.5), MOUTH_TARGETS, jaw_drop=0.0)
    assert np.all(_gap(half) < 0.75 * open_gap)


def test_lip_gap_weights_follow_the_face_model():
    w = lip_gap_weights(MOUTH_TARGETS)
    assert w[MOUTH_TARGETS.index("jawOpen")] > 2.0 and w[MOUTH_TARGETS.index("mouthClose")] < -2.0


def test_bilabial_track_marks_pbm_frames_only():
    spans = [PhoneSpan("AA", "AA", 0.0, 0.2), PhoneSpan("M", "PBM", 0.2, 0.3), PhoneSpan("B", "PBM", 0.5, 0.52),
             PhoneSpan("T", "TDNL", 0.6, 0.7)]
    y = bilabial_track(spans, FPS, 25)
    assert set(np.flatnonzero(y)) == {5, 6, 12}  # frame centres in 0.2-0.3 s, plus the short /b/'s middle frame


def test_closure_head_gives_a_probability_and_chunks_exactly():
    torch.manual_seed(0)
    g = MotionGenerator(MotionGeneratorConfig(d_model=16, n_layers=2, n_heads=2, ff_dim=32, attn_span=4,
                                              dropout=0.0, closure_head=True)).eval()
    x = np.random.default_rng(1).normal(size=(120, g.config.in_dim)).astype(np.float32)
    whole = g.predict(x, chunk=10_000)
    assert whole["closure"].shape == (120,)
    assert 0.0 <= whole["closure"].min() and whole["closure"].max() <= 1.0
    np.testing.assert_allclose(g.predict(x, chunk=17)["closure"], whole["closure"], atol=1e-5)
    assert "closure" not in MotionGenerator(MotionGeneratorConfig()).predict(x[:, :56])


# Forced alignment (pocketsphinx, `tritalk.audio.phone_recogniser.align_phones`) of the vendored FLEURS clip with
# its transcript "... could lag behind by twenty five to thirty year": /b/ of "by" and the open vowels
# around it; the clip ends in 1.9 s of silence (8.64 s on).
FLEURS_B_BY = (6.97, 7.16)
FLEURS_VOWELS = ((1.07, 1.24), (3.51, 3.61), (4.48, 4.70), (6.11, 6.25), (6.58, 6.85), (7.16, 7.29), (7.66, 7.81))


def test_shipped_model_shuts_the_lips_on_a_real_bilabial_and_in_silence():
    clip = load_audio(DATA / "fleurs_en_000.wav")
    expr = load_speech_generator("gm").generate(audio_features(clip, FPS)).expr
    gap = inner_lip_gap(expr)
    vowel = np.mean([gap[int((a + b) / 2 * FPS)] for a, b in FLEURS_VOWELS])
    assert vowel > 0.2  # cm: the mouth opens on the vowels
    a, b = FLEURS_B_BY
    assert gap[int((a + b) / 2 * FPS)] < 0.1 * vowel  # lips together on /b/ (real video: 0)
    silence = gap[int(9.0 * FPS):]
    assert silence.max() < 0.01 and expr[int(9.0 * FPS):, IDX["jawOpen"]].max() < 0.01  # mouth shut in silence
