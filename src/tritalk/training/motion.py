"""``tritalk train motion``: calibrate synthetic targets, train the lip reader, then G_m (eq. 1).

    data dirs (tritalk prepare) ─┐ minus held-out clips/speakers (never calibrated on, never trained on)
                                 ├─► viseme table (synth.calibrate) ─► synthetic targets
    synthetic dir (espeak-ng) ───┘
    examples (features of clean + degraded audio) ─► stage "lipreader" ─► frozen ─► stage "motion"
    ─► OUT/config.json + OUT/model.safetensors (G_m), OUT/lipreader/, OUT/viseme_table.json, OUT/train_info.json
"""

from __future__ import annotations

import dataclasses
import json
import logging
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from tritalk.arkit import expansion_matrix
from tritalk.audio.encoders import build_encoder
from tritalk.io.checkpoint import config_to_dict
from tritalk.motion.generator import MotionGenerator, MotionGeneratorConfig
from tritalk.motion.lipreader import LipReader, LipReaderConfig, MotionLossWeights
from tritalk.training.dataset import CropDataset, build_examples, collate, feature_stats, load_real, load_synthetic
from tritalk.training.loop import TrainConfig, train_loop
from tritalk.training.stages import freeze, lipreader_stage, motion_stage
from tritalk.training.synth import calibrate

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MotionTrainConfig:
    data: tuple[str, ...] = ()
    """Prepared real talking-face folders (``tritalk prepare``)."""
    synthetic: str | None = None
    """Prepared synthetic folder (``scripts/make_synthetic.py``); None = real clips only."""
    out: str = "out/gm"
    holdout: tuple[str, ...] = ()
    """Clip ids or speakers kept out of calibration and training (evaluation only)."""
    generator: MotionGeneratorConfig = field(default_factory=MotionGeneratorConfig)
    lipreader: LipReaderConfig = field(default_factory=LipReaderConfig)
    weights: MotionLossWeights = field(default_factory=MotionLossWeights)
    lipreader_train: TrainConfig = field(default_factory=lambda: TrainConfig(steps=1000))
    motion_train: TrainConfig = field(default_factory=lambda: TrainConfig(steps=3000))
    real_variants: tuple[str, ...] = ("clean", "telephone", "noise", "music", "reverb", "quiet")
    synth_variants: tuple[str, ...] = ("clean", "random")
    synth_limit: int | None = None
    real_share: float = 0.25
    """Share of training examples drawn from real clips (they are repeated to reach it)."""
    synth_weight: float = 1.0
    """L_MSE weight of synthetic tracks relative to measured ones."""
    max_frames: int = 100
    seed: int = 0
    cache: str | None = "out/cache/features"
    close_bilabials: bool = False
    """Synthetic targets shut the lips on /p b m/ (off, as the shipped model: the viseme blend alone leaves
    a gap of ~1/3 of a vowel's there). Measured in docs/motion.md: it did not help held-out GRID clips."""


def output_scale(generator: MotionGenerator, examples) -> tuple[float, ...]:
    """Per-target gain so that p90 - p50 of the prediction matches the measurement (valid frames)."""
    pred = np.concatenate([generator.predict(e.features)["coeffs"][e.valid] for e in examples])
    meas = np.concatenate([e.target[e.valid] for e in examples])
    qp, qm = np.percentile(pred, [50, 90], axis=0), np.percentile(meas, [50, 90], axis=0)
    scale = np.clip((qm[1] - qm[0]) / np.maximum(qp[1] - qp[0], 1e-4), 0.5, 3.0)
    return tuple(float(v) for v in scale)


def _with_config(model: MotionGenerator, config: MotionGeneratorConfig) -> MotionGenerator:
    new = MotionGenerator(config)
    new.load_state_dict(model.state_dict(), strict=True)
    return new.eval()


def train_motion(cfg: MotionTrainConfig, on_log: Callable[[dict], None] | None = None) -> dict:
    from accelerate import Accelerator

    t0 = time.perf_counter()
    acc = Accelerator(cpu=not torch.cuda.is_available())
    torch.manual_seed(cfg.seed)
    out = Path(cfg.out)
    real = [c for d in cfg.data for c in load_real(d, exclude=cfg.holdout)]
    synth = load_synthetic(cfg.synthetic, cfg.synth_limit) if cfg.synthetic else []
    if not real and not synth:
        from tritalk.errors import InputError
        raise InputError("no training clips left (all held out?); give --data and/or --synthetic")
    gcfg = cfg.generator
    encoder = build_encoder(gcfg.encoder)
    if gcfg.in_dim != encoder.dim:
        gcfg = dataclasses.replace(gcfg, in_dim=encoder.dim)
    table = calibrate(real, gcfg.targets) if real else None
    if synth and table is None:
        from tritalk.errors import InputError
        raise InputError("synthetic targets are calibrated on real clips; give at least one --data folder")
    cache = Path(cfg.cache) if cfg.cache else None
    ex_real = build_examples(real, encoder, gcfg.targets, gcfg.rate, cfg.real_variants, table, seed=cfg.seed,
                             cache=cache)
    ex_syn = build_examples(synth, encoder, gcfg.targets, gcfg.rate, cfg.synth_variants, table, seed=cfg.seed,
                            cache=cache, weight=cfg.synth_weight, close_bilabials=cfg.close_bilabials)
    repeat = 1
    if ex_syn and ex_real:
        repeat = max(1, int(round(cfg.real_share * len(ex_syn) / ((1 - cfg.real_share) * len(ex_real)))))
    examples = ex_real * repeat + ex_syn
    mean, std = feature_stats(ex_real + ex_syn)
    gcfg = dataclasses.replace(gcfg, feature_mean=tuple(float(v) for v in mean),
                               feature_std=tuple(float(v) for v in std))
    generator = MotionGenerator(gcfg)
    reader = LipReader(dataclasses.replace(cfg.lipreader, latent_dim=gcfg.in_dim))
    expand = torch.from_numpy(expansion_matrix(gcfg.targets)).to(acc.device)
    generator.to(acc.device)
    logger.info("training on %d real clips (x%d, %d variants) + %d synthetic; held out: %s",
                len(real), repeat, len(cfg.real_variants), len(synth), ", ".join(cfg.holdout) or "none")

    # Stage "lipreader": read truth tracks.
    ds = CropDataset(examples, cfg.max_frames, cfg.seed)
    h_lip = train_loop(reader, lambda m, b: lipreader_stage(m, generator, b, expand), ds, collate,
                       cfg.lipreader_train, acc, on_log=lambda r: on_log and on_log({"stage": "lipreader", **r}))
    reader = freeze(acc.unwrap_model(reader))
    # Stage "motion": G_m through the frozen lip reader, eq. (1).
    h_gm = train_loop(generator, lambda m, b: motion_stage(m, reader, b, expand, cfg.weights), ds, collate,
                      cfg.motion_train, acc, on_log=lambda r: on_log and on_log({"stage": "motion", **r}))
    generator = acc.unwrap_model(generator).cpu().eval()
    if ex_real:  # amplitude: match the measured spread on the training real clips (clean audio)
        scale = output_scale(generator, [e for e in ex_real if e.variant == "clean"])
        generator = _with_config(generator, dataclasses.replace(generator.config, output_scale=scale))
    info = {}
    if acc.is_main_process:
        generator.save_pretrained(out)
        reader.cpu().save_pretrained(out / "lipreader")
        if table is not None:
            table.save(out / "viseme_table.json")
        info = dict(
            trained_on=sorted({c["id"] for c in real}), held_out=list(cfg.holdout),
            speakers=sorted({c["speaker"] for c in real}), n_real=len(real), n_synthetic=len(synth),
            synthetic_seconds=round(sum(len(c["audio"]) for c in synth) / 16000, 1),
            real_seconds=round(sum(len(c["audio"]) for c in real) / 16000, 1), real_repeat=repeat,
            output_scale=list(generator.config.output_scale),
            n_examples=len(examples), train_seconds=round(time.perf_counter() - t0, 1),
            device=str(acc.device), processes=acc.num_processes, machine=platform.machine(),
            config=json.loads(json.dumps(config_to_dict(cfg), default=str)),
            history={"lipreader": h_lip, "motion": h_gm})
        info["config"]["generator"].pop("feature_mean", None)
        info["config"]["generator"].pop("feature_std", None)
        (out / "train_info.json").write_text(json.dumps(info, indent=1) + "\n")
    return info
