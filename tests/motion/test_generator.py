"""motion/generator.py (G_m), learned_speech.py, registry.py: shapes and fps for odd lengths, banded/chunked
equivalence, causality, save/load round trip, the speech-generator interface, and the shipped checkpoint on
real speech."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from tritalk.audio.features import audio_features
from tritalk.errors import ConfigError, WeightsError
from tritalk.io.audio import load_audio
from tritalk.arkit import shape_columns
from tritalk.motion.generator import MotionGenerator, MotionGeneratorConfig
from tritalk.motion.learned_speech import LearnedSpeechMotion, default_checkpoint_dir, resample_frames
from tritalk.motion.registry import load_speech_generator
from tritalk.motion.speech import SpeechMotion
from tritalk.types import BLENDSHAPES, IDX, AudioClip

DATA = Path(__file__).resolve().parents[1] / "data"
MOUTH = [IDX[n] for n in BLENDSHAPES if n.startswith(("jaw", "mouth"))]
TINY = MotionGeneratorConfig(d_model=16, n_layers=2, n_heads=2, ff_dim=32, attn_span=4, dropout=0.0)


def tiny(**kw) -> MotionGenerator:
    torch.manual_seed(0)
    return MotionGenerator(dataclasses.replace(TINY, **kw)).eval()


@pytest.fixture(scope="module")
def speech() -> AudioClip:
    return load_audio(DATA / "fleurs_en_000.wav")


def test_forward_shapes_and_range():
    g = tiny()
    with torch.no_grad():
        out = g(torch.randn(3, 37, TINY.in_dim))
    assert out["coeffs"].shape == (3, 37, len(TINY.targets))
    assert float(out["coeffs"].min()) >= 0.0 and float(out["coeffs"].max()) <= 1.0
    assert "head" not in out
    assert tiny(predict_head=True)(torch.randn(1, 5, TINY.in_dim))["head"].shape == (1, 5, 3)


@pytest.mark.parametrize("causal", [False, True])
def test_chunked_inference_equals_one_pass(causal):
    g = tiny(causal=causal)
    x = np.random.default_rng(0).normal(size=(301, TINY.in_dim)).astype(np.float32)
    whole = g.predict(x, chunk=10_000)["coeffs"]
    chunked = g.predict(x, chunk=37)["coeffs"]
    assert whole.shape == (301, len(TINY.targets))
    np.testing.assert_allclose(chunked, whole, atol=1e-5)


def test_causal_model_ignores_the_future():
    g = tiny(causal=True)
    x = torch.randn(1, 40, TINY.in_dim)
    y = x.clone()
    y[:, 25:] = torch.randn(1, 15, TINY.in_dim)  # change only the future of frame 24
    with torch.no_grad():
        a, b = g(x)["coeffs"], g(y)["coeffs"]
    assert torch.allclose(a[:, :25], b[:, :25], atol=1e-6)
    assert not torch.allclose(a[:, 25:], b[:, 25:])


def test_non_causal_model_sees_only_its_receptive_field():
    g = tiny()
    r = g.config.receptive_field
    x = torch.randn(1, 60, TINY.in_dim)
    y = x.clone()
    y[:, 59] += 5.0
    with torch.no_grad():
        a, b = g(x)["coeffs"], g(y)["coeffs"]
    assert torch.allclose(a[:, : 59 - r], b[:, : 59 - r], atol=1e-6)
    assert not torch.allclose(a[:, 59 - r:], b[:, 59 - r:])


def test_save_and_reload_give_identical_outputs(tmp_path):
    g = tiny()
    g2 = MotionGenerator(dataclasses.replace(TINY, feature_mean=tuple([0.1] * TINY.in_dim),
                                             feature_std=tuple([2.0] * TINY.in_dim))).eval()
    x = torch.randn(2, 23, TINY.in_dim)
    for model in (g, g2):
        model.save_pretrained(tmp_path / "m")
        assert {p.name for p in (tmp_path / "m").iterdir()} >= {"config.json", "model.safetensors"}
        loaded = MotionGenerator.from_pretrained(tmp_path / "m")
        assert loaded.config == model.config
        with torch.no_grad():
            assert torch.equal(loaded(x)["coeffs"], model(x)["coeffs"])


def test_missing_or_mismatched_checkpoint_is_a_weights_error(tmp_path):
    with pytest.raises(WeightsError, match="--motion-model"):
        MotionGenerator.from_pretrained(tmp_path / "nope")
    tiny().save_pretrained(tmp_path / "m")
    cfg = (tmp_path / "m" / "config.json").read_text().replace('"d_model": 16', '"d_model": 32')
    (tmp_path / "m" / "config.json").write_text(cfg)
    with pytest.raises(WeightsError, match="does not match"):
        MotionGenerator.from_pretrained(tmp_path / "m")


def test_config_validation():
    with pytest.raises(ConfigError):
        MotionGeneratorConfig(d_model=10, n_heads=3)
    with pytest.raises(ConfigError):
        MotionGeneratorConfig(targets=("jawOpen", "notAShape"))


@pytest.mark.parametrize("fps,seconds", [(25.0, 1.37), (30.0, 2.01), (60.0, 0.53), (24.0, 0.04), (29.97, 1.0)])
def test_generate_frames_and_fps_for_odd_lengths(speech, fps, seconds):
    gen = LearnedSpeechMotion(tiny())
    n = int(round(seconds * speech.sample_rate))
    clip = AudioClip(speech.samples[:n], speech.sample_rate)
    expect = math.ceil(round(clip.duration * fps, 6))
    m = gen.generate(clip, fps=fps)
    assert len(m) == expect and m.fps == fps
    feats = audio_features(clip, fps)
    m2 = gen.generate(feats)
    assert len(m2) == len(feats) and m2.fps == fps
    others = [i for i in range(len(BLENDSHAPES)) if i not in MOUTH]
    assert np.all(m2.expr[:, others] == 0) and np.all(m2.head == 0) and np.all(m2.gaze == 0)
    for t in gen.model.config.targets:  # symmetric pairs written to both sides
        cols = shape_columns(t)
        assert np.array_equal(m2.expr[:, cols[0]], m2.expr[:, cols[-1]])


def test_resample_frames_holds_values_and_length():
    x = np.arange(10, dtype=np.float32)[:, None]
    y = resample_frames(x, 25.0, 50.0, 20)
    assert y.shape == (20, 1) and y[0, 0] == 0.0 and y[-1, 0] == 9.0
    assert np.all(np.diff(y[:, 0]) >= 0)


def test_named_generators(tmp_path):
    assert isinstance(load_speech_generator("v1"), SpeechMotion)
    tiny().save_pretrained(tmp_path / "m")
    assert isinstance(load_speech_generator(str(tmp_path / "m")), LearnedSpeechMotion)
    with pytest.raises(ConfigError, match="v1"):
        load_speech_generator("nonsense")


@pytest.mark.skipif(not (default_checkpoint_dir() / "config.json").is_file(), reason="no shipped checkpoint")
def test_shipped_checkpoint_moves_in_speech_and_rests_in_silence(speech):
    gen = load_speech_generator("gm")
    x = np.concatenate([speech.samples, np.zeros(speech.sample_rate, np.float32)])
    feats = audio_features(AudioClip(x, speech.sample_rate), 25.0)
    m = gen.generate(feats)
    jaw = m.expr[:, IDX["jawOpen"]]
    t = np.arange(len(jaw)) / 25.0
    talk = (t < speech.duration) & (feats.column("vad") > 0.5)
    silence = t >= speech.duration + 0.2
    assert jaw[talk].mean() > 0.06
    assert jaw[silence].max() < 0.05
    assert np.corrcoef(jaw, feats.column("loudness"))[0, 1] > 0.3
    assert np.abs(np.diff(jaw, 2)).mean() < 0.03  # smooth, not jittery
    zero = gen.generate(audio_features(AudioClip(np.zeros(16000, np.float32), 16000), 25.0))
    assert np.abs(zero.expr).max() < 0.05


def test_motion_config_rejects_an_unknown_motion_model(tmp_path):
    from tritalk.config import MotionConfig

    assert MotionConfig().model == "gm"
    with pytest.raises(ConfigError, match="unknown motion model"):
        MotionConfig(model="nope")
    with pytest.raises(ConfigError, match="unknown motion model"):
        MotionConfig(model=str(tmp_path))  # a folder without a checkpoint
    tiny().save_pretrained(tmp_path / "m")
    assert MotionConfig(model=str(tmp_path / "m")).model == str(tmp_path / "m")
