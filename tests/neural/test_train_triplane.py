"""Training the tri-plane generator: each stage trains on CPU with finite, falling losses; frozen parts do not
move; a checkpoint reloads with identical output; a stopped run resumes; the CLI runs the three stages."""

from __future__ import annotations

import dataclasses
import json
import logging

import numpy as np
import pytest
import torch

from tritalk.errors import ConfigError
from tritalk.neural.generator import TRIPLANE_CONFIGS, TriplaneGenerator
from tritalk.neural.volume import view_matrices
from tritalk.training.loop import TrainConfig
from tritalk.training.stages import (PortraitLossWeights, emotion_stage, motion_difference_l1, mouth_l1,
                                     portrait_stage)
from tritalk.training.triplane import PairDataset, TriplaneTrainConfig, collate_pairs, train_config, train_triplane


def _losses():
    from tritalk.neural.losses import IdentityLoss, PerceptualLoss

    return PerceptualLoss(), IdentityLoss()


def _batch(pair_data, micro):
    ds = PairDataset(pair_data, micro)
    return collate_pairs([ds[i] for i in range(4)])


def _overfit(model, loss_fn, batch, steps: int = 12, lr: float = 1e-2, term: str | None = None) -> list[float]:
    """The loss (or one named term of it) at each step of Adam on one fixed batch."""
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr)
    history = []
    for _ in range(steps):
        terms = loss_fn(model, batch)
        loss = sum(terms.values())
        assert all(torch.isfinite(v) for v in terms.values())
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(float((terms[term] if term else loss).detach()))
    return history


def test_portrait_stage_losses_fall_and_frozen_R_stays(pair_data, micro):
    torch.manual_seed(0)
    model = TriplaneGenerator(micro)
    model.superres.requires_grad_(False)  # stage 2: R frozen
    model.emotion_mapper.requires_grad_(False)
    before = {k: v.clone() for k, v in model.superres.state_dict().items()}
    perceptual, identity = _losses()
    batch = _batch(pair_data, micro)
    terms = portrait_stage(model, batch, perceptual, identity, jitter=False)
    assert set(terms) == {"vgg", "pixel", "reg", "id", "mouth", "motion_diff"}  # eq. (2) + the mouth, diff terms
    hist = _overfit(model, lambda m, b: portrait_stage(m, b, perceptual, identity, jitter=False), batch)
    assert hist[-1] < 0.8 * hist[0]
    assert all(torch.equal(before[k], v) for k, v in model.superres.state_dict().items())


def test_mouth_l1_sees_only_the_mouth_and_weighs_it_by_its_area():
    target = torch.zeros(2, 3, 16, 16)
    mouth = torch.zeros(2, 1, 16, 16)
    mouth[:, :, 10:14, 4:12] = 1.0  # 32 of 256 pixels
    pred = target.clone()
    pred[:, :, :8] = 1.0  # wrong outside the mouth only
    assert float(mouth_l1(pred, target, mouth)) == 0.0
    pred = target.clone()
    pred[:, :, 10:14, 4:12] = 0.5  # wrong by 0.5 inside the mouth: the mean over the mouth, not over the window
    assert abs(float(mouth_l1(pred, target, mouth)) - 0.5) < 1e-6
    # a prediction at a lower resolution (the volume's own RGB) is compared with the target resized to it
    low = torch.nn.functional.interpolate(pred, size=(8, 8), mode="area")
    assert abs(float(mouth_l1(low, target, mouth)) - 0.5) < 1e-6
    assert float(mouth_l1(pred, target, torch.zeros_like(mouth))) == 0.0  # no mouth region: no term


def test_mouth_term_is_weighted_left_out_without_mouths_and_trains_the_mouth(pair_data, old_pair_data, micro):
    torch.manual_seed(0)
    model = TriplaneGenerator(micro)
    perceptual, identity = _losses()
    batch = _batch(pair_data, micro)
    one = portrait_stage(model, batch, perceptual, identity, jitter=False)
    two = portrait_stage(model, batch, perceptual, identity, PortraitLossWeights(mouth=2.0), jitter=False)
    assert torch.allclose(two["mouth"], 2 * one["mouth"]) and float(one["mouth"].detach()) > 0
    off = portrait_stage(model, batch, perceptual, identity, PortraitLossWeights(mouth=0.0), jitter=False)
    assert "mouth" not in off  # λ_mouth = 0: eq. (2) as published
    assert "mouth" not in portrait_stage(model, _batch(old_pair_data, micro), perceptual, identity, jitter=False)
    hist = _overfit(model, lambda m, b: portrait_stage(m, b, perceptual, identity, jitter=False), batch,
                    term="mouth")
    assert hist[-1] < 0.8 * hist[0]


def test_motion_difference_is_zero_for_matching_changes_and_grows_with_the_amplitude_mismatch():
    torch.manual_seed(0)
    mouth = torch.zeros(4, 1, 16, 16)
    mouth[:, :, 10:14, 4:12] = 1.0
    target = torch.rand(4, 3, 16, 16)
    same = torch.ones(4)
    change = target[1::2] - target[0::2]
    # the same change from another starting frame (a blurred face, a colour offset): nothing to pay
    pred = torch.empty_like(target)
    pred[0::2] = 0.5 * target[0::2] + 0.2
    pred[1::2] = pred[0::2] + change
    assert float(motion_difference_l1(pred, target, mouth, same)) < 1e-6
    # a mouth that moves a share a of the target's change pays (1 - a) x the change's mean size over the mouth
    size = float((change.abs().mean(1, keepdim=True) * mouth[::2]).sum() / mouth[::2].sum())
    losses = []
    for a in (1.0, 0.5, 0.0):
        pred[1::2] = pred[0::2] + a * change
        losses.append(float(motion_difference_l1(pred, target, mouth, same)))
    assert losses[0] < 1e-6 < losses[1] < losses[2]
    assert abs(losses[1] - 0.5 * size) < 1e-5 and abs(losses[2] - size) < 1e-5
    # outside the mouth region it is blind; pairs not of one view are left out
    pred[1::2, :, :8] += 1.0
    assert abs(float(motion_difference_l1(pred, target, mouth, same)) - size) < 1e-5
    assert float(motion_difference_l1(pred, target, mouth, torch.tensor([1.0, 1.0, 0.0, 0.0]))) > 0
    assert float(motion_difference_l1(pred, target, mouth, torch.zeros(4))) == 0.0


def test_motion_difference_term_is_weighted_off_at_zero_and_pairs_share_a_view(pair_data, micro):
    torch.manual_seed(0)
    model = TriplaneGenerator(micro)
    perceptual, identity = _losses()
    ds = PairDataset(pair_data, micro, same_view_share=1.0)
    pairs = [ds[i] for i in range(len(ds))]
    twins = [p for p in pairs if float(p[0]["same_view"]) == 1.0]
    assert twins and all(torch.equal(a["world2cam"], b["world2cam"]) for a, b in twins)
    assert all(ds.same_view[i] is None or i not in ds.same_view[i] for i in range(len(ds)))
    batch = collate_pairs([ds[0], ds[3]])  # yaw -20 twice in the synthetic data: both same-view pairs
    assert float(batch["same_view"].min()) == 1.0
    one = portrait_stage(model, batch, perceptual, identity, jitter=False)
    two = portrait_stage(model, batch, perceptual, identity, PortraitLossWeights(motion_diff=4.0), jitter=False)
    assert float(one["motion_diff"].detach()) > 0 and torch.allclose(two["motion_diff"], 2 * one["motion_diff"])
    off = portrait_stage(model, batch, perceptual, identity, PortraitLossWeights(motion_diff=0.0), jitter=False)
    assert "motion_diff" not in off  # λ_diff = 0: eq. (2) (+ the mouth term)
    with torch.no_grad():  # a volume with matter in it (a random one is nearly empty: its render barely changes)
        model.decoder.net[-1].bias[0] = 4.0
    only = lambda m, b: {"motion_diff": portrait_stage(m, b, perceptual, identity, jitter=False)["motion_diff"]}  # noqa: E731
    # (Adam at 1e-2 bounced on this micro net: on another CPU's float rounding it ended at 0.92 of its start)
    hist = _overfit(model, only, batch, steps=30, lr=3e-3)
    assert min(hist[-5:]) < 0.8 * hist[0]  # E_m learns to make the two codes' renders differ as the targets do


def test_fine_tuning_starts_from_init_and_records_where_it_started(pair_data, micro, tmp_path):
    two = TrainConfig(steps=2, batch_size=2, lr=1e-3, warmup=1, log_every=1)
    cfg = TriplaneTrainConfig(net=micro, pretrain=two, portrait=two, emotion=two, checkpoint_every=2)
    torch.manual_seed(1)
    start = TriplaneGenerator(micro)
    start.save_pretrained(tmp_path / "start")
    info = train_triplane(dataclasses.replace(cfg, pretrain=dataclasses.replace(two, steps=0, warmup=0),
                                              portrait=dataclasses.replace(two, steps=0, warmup=0),
                                              emotion=dataclasses.replace(two, steps=0, warmup=0)),
                          pair_data, tmp_path / "none", pair_data, init=tmp_path / "start")
    first = info["curves"][0]
    assert first["stage"] == "init" and {"psnr", "ssim", "mouth_psnr"} <= set(first)
    assert info["init"] == "start"
    same = TriplaneGenerator.from_pretrained(tmp_path / "none")  # no steps: the init's weights, unchanged
    assert all(torch.equal(v, start.state_dict()[k]) for k, v in same.state_dict().items())
    with pytest.raises(ConfigError, match="another net config"):
        train_triplane(dataclasses.replace(cfg, net=dataclasses.replace(micro, z_dim=4)), pair_data,
                       tmp_path / "bad", init=tmp_path / "start")


def test_init_from_a_smaller_R_loads_every_matching_weight_and_says_what_starts_fresh(pair_data, micro, tmp_path,
                                                                                       caplog):
    torch.manual_seed(1)
    start = TriplaneGenerator(micro)  # 16² out
    start.save_pretrained(tmp_path / "start")
    big = dataclasses.replace(micro, out_res=32, sr_upsamples=1)  # as tiny128 from tiny
    zero = TrainConfig(steps=0, batch_size=2, lr=1e-3, warmup=0, log_every=1)
    cfg = TriplaneTrainConfig(net=big, pretrain=zero, portrait=zero, emotion=zero)
    with caplog.at_level(logging.INFO, logger="tritalk.training.triplane"):
        info = train_triplane(cfg, pair_data, tmp_path / "out", pair_data, init=tmp_path / "start")
    model = TriplaneGenerator.from_pretrained(tmp_path / "out")
    assert model.config == big and info["curves"][0]["stage"] == "init"
    old, new = start.state_dict(), model.state_dict()
    assert all(torch.equal(new[k], v) for k, v in old.items())  # every weight of the 16² model, unchanged
    fresh = sorted(set(new) - set(old))
    assert fresh and all(k.startswith("superres.ups.0.") for k in fresh)
    log = caplog.text
    assert "not loaded, starting fresh: " + ", ".join(fresh) in log and "unused: none" in log
    assert info["init_not_loaded"] == fresh and info["init_unused"] == [] and info["init_loaded"] == len(old)
    assert 0.5 < info["init_share"] < 1.0
    m, f = view_matrices(0.0, 0.0, 0.0, 4.0)
    args = (torch.rand(1, 3, 32, 32), torch.rand(1, 11, 52), torch.eye(8)[:1], torch.from_numpy(m)[None],
            torch.tensor([f]))
    with torch.no_grad():  # the new block's residual starts at zero: the 16² picture, upsampled
        a, b = start(*args).rgb, model(*args).rgb
    up = torch.nn.functional.interpolate(a, scale_factor=2, mode="bilinear", align_corners=False)
    assert b.shape[-1] == 32 and float((b - up).abs().max()) < 0.05
    assert train_config("tiny128-finetune").net == TRIPLANE_CONFIGS["tiny128"]
    assert train_config("tiny-finetune-diff").net == TRIPLANE_CONFIGS["tiny"]


def test_emotion_stage_trains_M_e_alone(pair_data, micro):
    torch.manual_seed(0)
    model = TriplaneGenerator(micro)
    with torch.no_grad():  # as after stage 2: the volume holds matter (a random one is empty, its render black)
        model.decoder.net[-1].bias[0] = 4.0
    model.requires_grad_(False)
    model.emotion_mapper.requires_grad_(True)  # stage 3: M_e alone
    others = {k: v.clone() for k, v in model.state_dict().items() if not k.startswith("emotion_mapper")}
    perceptual, identity = _losses()
    batch = _batch(pair_data, micro)
    batch["generator"] = torch.Generator().manual_seed(0)  # the same emotions every step: a fixed overfit batch
    terms = emotion_stage(model, batch, perceptual, identity)
    assert set(terms) == {"vgg", "clip", "reg", "id", "sim"}  # eq. (3), prototype-render substitute for CLIP

    def loss_fn(m, b):
        b["generator"] = torch.Generator().manual_seed(0)
        return emotion_stage(m, b, perceptual, identity, jitter=False)

    # from a mapper that moves the code far off (random branches), eq. (3) pulls it back on a fixed batch
    with torch.no_grad():
        for p in model.emotion_mapper.parameters():
            p.normal_(std=0.3)
    hist = _overfit(model, loss_fn, batch, steps=12, lr=1e-2)
    assert hist[-1] < 0.8 * hist[0]
    assert all(torch.equal(others[k], v) for k, v in model.state_dict().items() if k in others)
    assert any(v.abs().max() > 0 for k, v in model.state_dict().items() if k.startswith("emotion_mapper")
               and k.endswith("weight"))


def test_train_triplane_checkpoint_reloads_identically_and_resumes(pair_data, micro, tmp_path):
    two = TrainConfig(steps=2, batch_size=2, lr=1e-3, warmup=1, log_every=1)
    cfg = TriplaneTrainConfig(net=micro, pretrain=two, portrait=two, emotion=two, checkpoint_every=1)
    logs = []
    info = train_triplane(cfg, pair_data, tmp_path / "run", pair_data, on_log=logs.append)
    for stage in ("pretrain", "portrait", "emotion"):
        recs = [r for r in logs if r.get("stage") == stage and "loss" in r]
        assert len(recs) == 2 and all(np.isfinite(r["loss"]) for r in recs)
    assert info["loss_networks"] == {"perceptual": "laplacian-pyramid-l1", "identity": "random-conv-embedding",
                                     "emotion": "prototype-render"}
    assert any("psnr" in r for r in info["curves"])
    a = TriplaneGenerator.from_pretrained(tmp_path / "run")
    b = TriplaneGenerator.from_pretrained(tmp_path / "run")
    batch = _batch(pair_data, micro)
    with torch.no_grad():
        out_a = a(batch["ref"], batch["windows"], batch["emotion"], batch["world2cam"], batch["focal"])
        out_b = b(batch["ref"], batch["windows"], batch["emotion"], batch["world2cam"], batch["focal"])
    assert torch.equal(out_a.rgb, out_b.rgb) and torch.equal(out_a.alpha, out_b.alpha)
    # resume: a longer emotion stage continues from step 2 (the finished stages are not retrained)
    longer = dataclasses.replace(cfg, emotion=dataclasses.replace(two, steps=3))
    logs2 = []
    train_triplane(longer, pair_data, tmp_path / "run", on_log=logs2.append)
    steps = [(r["stage"], r["step"]) for r in logs2 if "loss" in r]
    assert steps == [("emotion", 3)]


def _cli(args: list[str], capsys) -> tuple[int, str, str]:
    """``tritalk ARGS`` in this process (the CLI's own entry point: one error line, documented exit codes)."""
    from tritalk.cli.main import main

    try:
        main(args)
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_train_triplane_runs_and_names_substitutes(pair_data, micro, tmp_path, capsys):
    two = {"steps": 2, "batch_size": 2, "lr": 0.001, "warmup": 1, "log_every": 1}
    cfg = tmp_path / "micro.json"
    cfg.write_text(json.dumps({"net": dataclasses.asdict(micro), "pretrain": two, "portrait": two, "emotion": two}))
    code, out, err = _cli(["train", "triplane", "--data", str(pair_data), "-o", str(tmp_path / "out"),
                           "--config", str(cfg), "--threads", "1"], capsys)
    assert code == 0, err[-2000:]
    assert "perceptual = laplacian-pyramid-l1" in out and "identity = random-conv-embedding" in out
    assert "emotion = prototype-render" in out and "vgg19" not in out and "arcface" not in out
    assert (tmp_path / "out" / "config.json").is_file() and (tmp_path / "out" / "model.safetensors").is_file()
    code, out, err = _cli(["train", "triplane", "--data", str(tmp_path / "missing.npz"), "-o", str(tmp_path / "o2")],
                          capsys)
    assert code == 2 and err.strip().startswith("error: training data") and "Traceback" not in err
    code, out, err = _cli(["train", "triplane", "--data", str(pair_data), "-o", str(tmp_path / "o3"),
                           "--config", "huge"], capsys)
    assert code == 5 and "tiny-finetune-diff, tiny128-finetune, base or a .json file" in err
