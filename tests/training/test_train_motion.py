"""training/: the real training path for 2 steps on CPU, checkpoint round trip, loss falls on a fixed batch,
held-out clips are never used, and the `tritalk train motion` / `eval motion` commands."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from tritalk.arkit import expansion_matrix
from tritalk.audio.encoders import AcousticEncoder
from tritalk.motion.generator import MotionGenerator, MotionGeneratorConfig
from tritalk.motion.learned_speech import LearnedSpeechMotion
from tritalk.motion.lipreader import LipReader, LipReaderConfig
from tritalk.motion.speech import MOUTH_TARGETS
from tritalk.training.dataset import CropDataset, build_examples, collate, load_real, load_synthetic
from tritalk.training.loop import TrainConfig, train_loop
from tritalk.training.motion import MotionTrainConfig, train_motion
from tritalk.training.stages import lipreader_stage, motion_stage
from tritalk.training.synth import calibrate
from tritalk.types import AudioClip

TINY_G = MotionGeneratorConfig(d_model=16, n_layers=1, n_heads=2, ff_dim=32, attn_span=4)
TINY_L = LipReaderConfig(d_model=16, n_layers=1)


def test_train_two_steps_and_reload(prepared, synthetic, tmp_path, speech16k):
    cfg = MotionTrainConfig(data=(str(prepared),), synthetic=str(synthetic), out=str(tmp_path / "gm"),
                            holdout=("clip1",), generator=TINY_G, lipreader=TINY_L,
                            lipreader_train=TrainConfig(steps=2, batch_size=2, log_every=1),
                            motion_train=TrainConfig(steps=2, batch_size=2, log_every=1),
                            real_variants=("clean", "telephone"), synth_variants=("clean",), max_frames=40,
                            cache=str(tmp_path / "cache"))
    info = train_motion(cfg)
    assert info["trained_on"] == ["clip0"] and info["held_out"] == ["clip1"]
    assert len(info["history"]["motion"]) == 2
    for rec in info["history"]["motion"]:
        assert {"lat", "ctc", "mse", "loss"} <= set(rec) and np.isfinite(rec["loss"])
    out = tmp_path / "gm"
    for name in ("config.json", "model.safetensors", "lipreader/config.json", "lipreader/model.safetensors",
                 "viseme_table.json", "train_info.json"):
        assert (out / name).is_file(), name
    g = MotionGenerator.from_pretrained(out)
    assert len(g.config.feature_mean) == AcousticEncoder.dim  # normalisation travels in config.json
    a = LearnedSpeechMotion(g).generate(AudioClip(speech16k, 16000), fps=30.0)
    b = LearnedSpeechMotion(MotionGenerator.from_pretrained(out)).generate(AudioClip(speech16k, 16000), fps=30.0)
    assert len(a) == 90 and np.array_equal(a.expr, b.expr)
    assert LipReader.from_pretrained(out / "lipreader").config.latent_dim == AcousticEncoder.dim


def test_loss_falls_on_a_fixed_batch(prepared, synthetic, tmp_path):
    real = load_real(prepared)
    table = calibrate(real, MOUTH_TARGETS)
    enc = AcousticEncoder()
    ex = build_examples(real[:1], enc, MOUTH_TARGETS, 25.0, ("clean",)) + \
        build_examples(load_synthetic(synthetic), enc, MOUTH_TARGETS, 25.0, ("clean",), table)
    torch.manual_seed(0)
    g = MotionGenerator(dataclasses.replace(TINY_G, dropout=0.0))
    r = LipReader(dataclasses.replace(TINY_L, dropout=0.0)).eval().requires_grad_(False)
    expand = torch.from_numpy(expansion_matrix(g.config.targets))
    batch = collate([CropDataset(ex, 75)[i] for i in range(len(ex))])
    g.eval()
    with torch.no_grad():
        before = motion_stage(g, r, batch, expand)
    hist = train_loop(g, lambda m, b: motion_stage(m, r, b, expand), CropDataset(ex, 75), collate,
                      TrainConfig(steps=25, batch_size=2, lr=5e-3, warmup=1, log_every=5))
    g.eval()
    with torch.no_grad():
        after = motion_stage(g, r, batch, expand)
    assert float(sum(after.values())) < 0.8 * float(sum(before.values()))
    assert len(hist) == 5 and all(np.isfinite(h["loss"]) for h in hist)


def test_lipreader_stage_terms(prepared):
    real = load_real(prepared)
    ex = build_examples(real, AcousticEncoder(), MOUTH_TARGETS, 25.0, ("clean",))
    batch = collate([CropDataset(ex, 100)[i] for i in range(len(ex))])
    g = MotionGenerator(TINY_G)
    terms = lipreader_stage(LipReader(TINY_L), g, batch, torch.from_numpy(expansion_matrix(MOUTH_TARGETS)))
    assert set(terms) == {"lat", "ctc"} and all(torch.isfinite(v) for v in terms.values())
    assert batch["valid"].sum() < batch["frames"].sum()  # the no-face frames of clip1 are not truth


def test_cli_train_and_eval(prepared, tmp_path):
    from typer.testing import CliRunner

    from tritalk.cli.main import app

    runner = CliRunner()
    out = tmp_path / "ckpt"
    res = runner.invoke(app, ["train", "motion", "--data", str(prepared), "-o", str(out), "--holdout", "spk1",
                              "--steps", "2", "--lipreader-steps", "2", "--batch-size", "2"])
    assert res.exit_code == 0, res.output
    assert (out / "model.safetensors").is_file()
    assert json.loads((out / "train_info.json").read_text())["trained_on"] == ["clip0"]
    res = runner.invoke(app, ["eval", "motion", "--data", str(prepared), "--motion-model", str(out)])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert [r["clip"] for r in report["rows"]] == ["clip1"]  # only the held-out clip
    assert set(report["median"]) >= {"jaw_r", "close_r", "lag_frames", "silence_jaw", "jaw_r_telephone"}


def test_all_clips_held_out_is_an_input_error(prepared, tmp_path):
    from tritalk.errors import InputError

    with pytest.raises(InputError, match="held out"):
        train_motion(MotionTrainConfig(data=(str(prepared),), holdout=("clip0", "clip1"), out=str(tmp_path / "x")))


def test_closed_bilabial_targets_and_closure_head_loss(prepared, synthetic):
    """--close-bilabials: synthetic targets have the lips together on /b m p/; the closure head gets a BCE term."""
    from tritalk.motion.lipreader import MotionLossWeights
    from tritalk.face.model import inner_lip_gap as lip_gap
    from tritalk.training.synth import bilabial_track

    real = load_real(prepared)
    table = calibrate(real, MOUTH_TARGETS)
    syn = load_synthetic(synthetic)
    enc = AcousticEncoder()
    shut = build_examples(syn, enc, MOUTH_TARGETS, 25.0, ("clean",), table, close_bilabials=True)[0]
    blend = build_examples(syn, enc, MOUTH_TARGETS, 25.0, ("clean",), table)[0]
    pbm = bilabial_track(syn[0]["spans"], 25.0, len(shut.target), table.lead_s) > 0
    assert pbm.sum() >= 3 and np.array_equal(shut.closed > 0, pbm)
    gap_shut, gap_blend = (lip_gap(e.target @ expansion_matrix(MOUTH_TARGETS)) for e in (shut, blend))
    assert gap_shut[pbm].max() < 1e-3 <= gap_blend.max()
    np.testing.assert_allclose(gap_shut[~pbm], gap_blend[~pbm], atol=1e-6)  # other frames untouched
    batch = collate([CropDataset([shut], 60)[0], CropDataset([shut], 60)[0]])
    g = MotionGenerator(dataclasses.replace(TINY_G, closure_head=True))
    r = LipReader(TINY_L).eval().requires_grad_(False)
    terms = motion_stage(g, r, batch, torch.from_numpy(expansion_matrix(MOUTH_TARGETS)), MotionLossWeights())
    assert set(terms) == {"lat", "ctc", "mse", "closure"} and torch.isfinite(terms["closure"])
