"""Lips meet on the /p b m/ the phone recogniser finds (issue 5): pocketsphinx allphone spans -> closure
track -> G_m's post-processing, measured through the face model's inner-lip gap; and generation without
the recogniser (energy-dip rule only, one warning)."""

from __future__ import annotations

import dataclasses
import logging
import sys
from pathlib import Path

import numpy as np
import pytest

from tritalk.audio.features import AudioFeatures, audio_features
from tritalk.audio.phones import PhoneSpan
from tritalk.face.model import inner_lip_gap as lip_gap
from tritalk.io.audio import load_audio
from tritalk.motion import lip_closure
from tritalk.motion.lip_closure import SpeechMotionPost, phone_closure_track
from tritalk.motion.registry import load_speech_generator
from tritalk.types import IDX

DATA = Path(__file__).resolve().parents[1] / "data"
FPS = 25.0
# Open vowels of the FLEURS clip (forced alignment, as in test_lip_closure.py).
FLEURS_VOWELS = ((1.07, 1.24), (3.51, 3.61), (4.48, 4.70), (6.11, 6.25), (6.58, 6.85), (7.16, 7.29), (7.66, 7.81))


@pytest.fixture(scope="module")
def fleurs():
    return load_audio(DATA / "fleurs_en_000.wav")


def _gm(**post):
    g = load_speech_generator("gm")
    g.post = dataclasses.replace(SpeechMotionPost(), **post)
    return g


def test_phone_closure_track_shuts_the_middle_of_bilabials_and_ramps():
    spans = [PhoneSpan("AA", "AA", 0.0, 0.2), PhoneSpan("M", "PBM", 0.2, 0.36), PhoneSpan("B", "PBM", 0.6, 0.63),
             PhoneSpan("T", "TDNL", 0.8, 0.9)]
    c = phone_closure_track(spans, 100.0, 100, core=0.5, min_half_s=0.02, ramp_s=0.04)
    t = (np.arange(100) + 0.5) / 100
    assert c.shape == (100,) and c.min() >= 0 and c.max() <= 1
    assert (c[(t > 0.24) & (t < 0.32)] == 1).all()  # central half of /m/
    assert (c[(np.abs(t - 0.615) < 0.02)] == 1).all()  # a short /b/: at least +-20 ms
    assert (c[t < 0.19] == 0).all() and (c[(t > 0.40) & (t < 0.555)] == 0).all() and (c[t > 0.68] == 0).all()
    assert 0 < c[21] < 1  # on the ramp
    assert np.all(phone_closure_track([], 25.0, 10) == 0) and phone_closure_track(spans, 25.0, 0).shape == (0,)


def test_every_recognised_bilabial_is_shut_on_real_speech(fleurs):
    spans = lip_closure.recognised_bilabials(fleurs)
    assert spans is not None and len(spans) >= 3  # 6 on this clip (3 forced-aligned: "coMmunication", "Behind", "By")
    feats = audio_features(fleurs, FPS)  # what the pipeline passes: features that keep their waveform
    assert feats.clip is fleurs
    expr = _gm().generate(feats).expr
    gap = lip_gap(expr)
    vowel = np.mean([gap[int((a + b) / 2 * FPS)] for a, b in FLEURS_VOWELS])
    assert vowel > 0.2  # cm: the mouth opens on the vowels
    for s in spans:
        mid = int((s.start + s.end) / 2 * FPS)
        assert gap[mid] < 0.1 * vowel, (s, gap[mid] / vowel)  # lips together on every recognised /p b m/
    off = lip_gap(_gm(phone_closure=False).generate(feats).expr)
    assert sum(off[int((s.start + s.end) / 2 * FPS)] >= 0.1 * vowel for s in spans) >= 3  # the rule alone misses them
    # the jaw still moves and the mouth is shut in the trailing silence
    assert expr[:, IDX["jawOpen"]].max() > 0.2
    assert gap[int(9.0 * FPS):].max() < 0.01


def test_audio_clip_and_features_paths_agree(fleurs):
    g = _gm()
    a = g.generate(fleurs, fps=FPS).expr
    b = g.generate(audio_features(fleurs, FPS)).expr
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_generation_works_without_the_recogniser(fleurs, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "pocketsphinx", None)  # `import pocketsphinx` raises ImportError
    monkeypatch.setattr(lip_closure, "_PHONE_WARNED", set())
    feats = audio_features(fleurs, FPS)
    with caplog.at_level(logging.WARNING, logger="tritalk.motion.lip_closure"):
        first = _gm().generate(feats)
        second = _gm().generate(feats)
    warnings = [r for r in caplog.records if "phone recogniser is unavailable" in r.getMessage()]
    assert len(warnings) == 1 and "pocketsphinx" in warnings[0].getMessage()
    expected = _gm(phone_closure=False).generate(feats).expr  # energy-dip rule only
    np.testing.assert_allclose(first.expr, expected, atol=1e-6)
    np.testing.assert_allclose(second.expr, expected, atol=1e-6)
    assert first.expr[:, IDX["jawOpen"]].max() > 0.2


def test_features_without_a_waveform_fall_back_quietly(fleurs, caplog):
    f = audio_features(fleurs, FPS)
    bare = AudioFeatures(f.values, f.names, f.fps)
    with caplog.at_level(logging.WARNING):
        out = _gm().generate(bare).expr
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    np.testing.assert_allclose(out, _gm(phone_closure=False).generate(f).expr, atol=1e-6)


def test_recogniser_covers_long_audio_to_the_end(fleurs, example_audio_path):
    """The allphone search must not die part-way (a narrow beam returned the last 16 s of this 21.6 s
    clip as one phone): phones to the end, none absurdly long, bilabials in both halves."""
    from tritalk.audio.phone_recogniser import recognise_phones
    from tritalk.types import AudioClip

    a = load_audio(example_audio_path)
    b = load_audio(DATA / "fleurs_en_000.wav")
    assert a.sample_rate == b.sample_rate
    clip = AudioClip(np.concatenate([a.samples, b.samples]), a.sample_rate)
    spans = recognise_phones(clip)
    assert spans[-1].end > clip.duration - 0.5
    assert max(s.end - s.start for s in spans) < 2.0
    pbm = [s for s in spans if s.viseme == "PBM"]
    assert any(s.end < a.duration for s in pbm) and any(s.start > a.duration for s in pbm)


def test_overlong_bilabial_spans_are_ignored():
    long = PhoneSpan("M", "PBM", 1.0, 9.0)  # a decoding failure, not a /m/
    assert not phone_closure_track([long], FPS, int(10 * FPS)).any()


def test_tiny_clips_do_not_break_the_recogniser():
    from tritalk.audio.phone_recogniser import recognise_phones
    from tritalk.types import AudioClip

    assert recognise_phones(AudioClip(np.zeros(320, np.float32), 16000)) == []
