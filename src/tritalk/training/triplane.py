"""``tritalk train triplane``: the tri-plane generator's stages on prepared data (training/triplane_data.py).

    DATA.npz (renders + video frames) ─► stage "pretrain": everything but M_e, R included (stands in for
                                          the PV3D weights the paper starts from, which are not available)
                                       ─► stage "portrait" (Sec. III-C2): E_id, E_m, G, decoder; R and M_e frozen,
                                          cross-contrastive pairs, eq. (2)
                                       ─► stage "emotion" (Sec. III-C3): M_e alone, eq. (3)
    ─► OUT/config.json + OUT/model.safetensors (the whole generator), OUT/train_info.json,
       OUT/stages/<stage>/ (checkpoint + resume.pt: a stopped run continues where it was)

The same script runs on several GPUs (``accelerate launch -m tritalk.cli.main train triplane ...``): the
shared loop (loop.py) hands devices and gradient averaging to accelerate.
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

import cv2
import numpy as np
import torch

from tritalk.io.checkpoint import config_to_dict, save_resume
from tritalk.neural.generator import TRIPLANE_CONFIGS, TriplaneGenerator, TriplaneNetConfig
from tritalk.neural.volume import view_matrices
from tritalk.training.loop import TrainConfig, train_loop
from tritalk.training.stages import EmotionLossWeights, PortraitLossWeights, emotion_stage, freeze, portrait_stage

logger = logging.getLogger(__name__)

STAGES = ("pretrain", "portrait", "emotion")


@dataclass(frozen=True)
class TriplaneTrainConfig:
    net: TriplaneNetConfig = field(default_factory=TriplaneNetConfig)
    pretrain: TrainConfig = field(default_factory=lambda: TrainConfig(steps=1400, batch_size=2, lr=2e-3, warmup=50,
                                                                      log_every=50))
    portrait: TrainConfig = field(default_factory=lambda: TrainConfig(steps=300, batch_size=2, lr=1e-3, warmup=20,
                                                                      log_every=50))
    emotion: TrainConfig = field(default_factory=lambda: TrainConfig(steps=100, batch_size=2, lr=1e-3, warmup=10,
                                                                     log_every=25))
    portrait_weights: PortraitLossWeights = field(default_factory=PortraitLossWeights)
    emotion_weights: EmotionLossWeights = field(default_factory=EmotionLossWeights)
    vgg: str | None = None
    """torchvision VGG-19 state dict; None = the Laplacian-pyramid substitute."""
    arcface: str | None = None
    """insightface iresnet backbone.pth; None = the random-conv embedding substitute."""
    clip: str | None = None
    """Hugging Face CLIP folder; None = the prototype-render substitute."""
    same_view_share: float = 0.5
    """Share of the pairs whose source sample is drawn from the samples of the same identity image **and the
    same camera** (a twin render, another front view, another frame of the same clip) where there is one: the
    pairs the motion-difference loss compares. The rest are drawn from all samples of the subject, as before."""
    checkpoint_every: int = 100
    seed: int = 0


FINETUNE_PRETRAIN_STEPS = {"tiny-finetune": 3800, "tiny-finetune-diff": 2200, "tiny128-finetune": 3600}


def train_config(name: str) -> TriplaneTrainConfig:
    """``tiny`` (this 2-core CPU, ~40 min), ``tiny-finetune`` (a schedule from ``--init``: the second shipped
    model's run, ~40 min at ~0.5 s a step), ``tiny-finetune-diff`` (a shorter one from ``--init``, with the
    motion-difference loss on same-view pairs: the third model's run, ~30 min), ``tiny128-finetune`` (the
    same schedule for the ``tiny128`` net, R drawing 128², from ``--init`` a 64² ``tiny`` checkpoint: every
    weight whose shape matches loads, R's new upsampling block starts fresh), ``base`` (the paper's scale,
    GPUs), or a JSON file of this config."""
    if name == "tiny":
        return TriplaneTrainConfig()
    if name in FINETUNE_PRETRAIN_STEPS:  # one schedule; the pretrain's length differs
        return TriplaneTrainConfig(
            net=TRIPLANE_CONFIGS["tiny128" if name == "tiny128-finetune" else "tiny"],
            pretrain=TrainConfig(steps=FINETUNE_PRETRAIN_STEPS[name], batch_size=2, lr=1e-3, warmup=20,
                                 log_every=50),
            portrait=TrainConfig(steps=600, batch_size=2, lr=5e-4, warmup=20, log_every=50),
            emotion=TrainConfig(steps=100, batch_size=2, lr=5e-4, warmup=10, log_every=25),
            checkpoint_every=200)
    if name == "base":
        return TriplaneTrainConfig(
            net=TRIPLANE_CONFIGS["base"],
            pretrain=TrainConfig(steps=200_000, batch_size=8, lr=2e-4, warmup=2000, log_every=200),
            portrait=TrainConfig(steps=100_000, batch_size=8, lr=1e-4, warmup=1000, log_every=200),
            emotion=TrainConfig(steps=20_000, batch_size=8, lr=1e-4, warmup=200, log_every=200),
            checkpoint_every=5000)
    from tritalk.errors import ConfigError
    from tritalk.io.checkpoint import config_from_dict

    p = Path(name)
    if not p.is_file():
        raise ConfigError(f"unknown triplane training config '{name}'; use tiny, tiny-finetune, "
                          "tiny-finetune-diff, tiny128-finetune, base or a .json file")
    try:
        return config_from_dict(TriplaneTrainConfig, json.loads(p.read_text()))
    except (ValueError, TypeError) as e:
        raise ConfigError(f"triplane training config '{name}' is invalid ({e}); start from tiny's JSON") from None


class PairDataset(torch.utils.data.Dataset):
    """Item k: (source sample, driving sample) of one subject. Images at the model's sizes, float in [0, 1]."""

    def __init__(self, path: str | Path, net: TriplaneNetConfig, seed: int = 0, same_view_share: float = 0.0):
        d = np.load(path, allow_pickle=False)
        res = net.out_res

        def resize(a: np.ndarray, size: int) -> np.ndarray:
            if a.shape[1] == size:
                return a
            interp = cv2.INTER_AREA if a.shape[1] > size else cv2.INTER_LINEAR
            return np.stack([cv2.resize(x, (size, size), interpolation=interp) for x in a])

        self.images = torch.from_numpy(resize(d["images"], res)).permute(0, 3, 1, 2).contiguous()
        self.masks = torch.from_numpy(resize(d["masks"], res))[:, None].contiguous()
        # the mouth loss's weights (data built before they were stored has none: the term is then left out)
        self.mouths = torch.from_numpy(resize(d["mouths"], res))[:, None].contiguous() if "mouths" in d else None
        self.refs = torch.from_numpy(resize(d["refs"], net.encoder_input)).permute(0, 3, 1, 2).contiguous()
        self.windows = torch.from_numpy(d["windows"].astype(np.float32))
        self.emotion = torch.from_numpy(d["emotion"].astype(np.float32))
        self.source = d["source"].astype(np.int64)
        cams = d["cams"].astype(np.float32)
        mats = [view_matrices(float(y), float(p), 0.0, float(dist)) for y, p, dist in cams]
        self.world2cam = torch.from_numpy(np.stack([m for m, _ in mats]))
        self.focal = torch.tensor([f for _, f in mats], dtype=torch.float32)
        self.by_source = {s: np.flatnonzero(self.source == s) for s in np.unique(self.source)}
        # the samples of one identity image and one camera (cams rows equal), each sample's others
        view = {}
        for i, key in enumerate(zip(self.source.tolist(), map(bytes, cams))):
            view.setdefault(key, []).append(i)
        self.same_view = [None] * len(self.source)
        for members in view.values():
            for i in members:
                others = [j for j in members if j != i]
                self.same_view[i] = np.asarray(others) if others else None
        self.same_view_share = same_view_share
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.images)

    def sample(self, i: int) -> dict:
        s = {"ref": self.refs[self.source[i]].float() / 255, "image": self.images[i].float() / 255,
             "mask": self.masks[i].float() / 255, "windows": self.windows[i], "emotion": self.emotion[i],
             "world2cam": self.world2cam[i], "focal": self.focal[i]}
        if self.mouths is not None:
            s["mouth"] = self.mouths[i].float() / 255
        return s

    def __getitem__(self, i: int) -> list[dict]:
        twins = self.same_view[i]
        same = twins is not None and self.same_view_share > 0 and self.rng.random() < self.same_view_share
        j = int(self.rng.choice(twins if same else self.by_source[self.source[i]]))
        flag = torch.tensor(1.0 if same else 0.0)
        return [self.sample(j) | {"same_view": flag}, self.sample(i) | {"same_view": flag}]  # source, driving


def collate_pairs(items: list[list[dict]]) -> dict:
    rows = [s for pair in items for s in pair]
    return {k: torch.stack([r[k] for r in rows]) for k in rows[0]}


def masked_psnr_ssim(model: TriplaneGenerator, ds: PairDataset, idx: np.ndarray) -> dict[str, float]:
    """Mean PSNR [dB] / SSIM of the premultiplied head render vs the premultiplied target (black outside the
    head in both), on samples ``idx``: the held-out measure of the training curves. With mouth regions in the
    data, also ``mouth_psnr``: the PSNR over the mouth region alone (its weights), where speech shows. A render
    of another size than ``ds``'s images is resized to theirs first (area when shrinking, bilinear when growing:
    two models of different out_res compared at one resolution)."""
    import torch.nn.functional as F

    from tritalk.eval.image_metrics import psnr, ssim

    model.eval()
    ps, ss, mouth = [], [], []
    with torch.no_grad():
        for i in idx:
            b = collate_pairs([[ds.sample(int(i))]])
            out = model(b["ref"], b["windows"], b["emotion"], b["world2cam"], b["focal"])
            rgb, size = out.rgb, b["image"].shape[-1]
            if rgb.shape[-1] != size:
                rgb = F.interpolate(rgb, size=(size, size), mode="area") if rgb.shape[-1] > size else \
                    F.interpolate(rgb, size=(size, size), mode="bilinear", align_corners=False)
            pred = rgb[0].permute(1, 2, 0).numpy() * 255
            tgt = (b["image"] * b["mask"])[0].permute(1, 2, 0).numpy() * 255
            ps.append(psnr(tgt, pred))
            ss.append(ssim(tgt, pred))
            if "mouth" in b:
                m = b["mouth"][0, 0].numpy()[..., None]
                mse = float((((pred - tgt) ** 2) * m).sum() / max(3 * m.sum(), 1.0))
                mouth.append(10 * np.log10(255.0 ** 2 / max(mse, 1e-10)))
    rec = {"psnr": float(np.mean(ps)), "ssim": float(np.mean(ss))}
    if mouth:
        rec["mouth_psnr"] = float(np.mean(mouth))
    return rec


def _trainable(model: TriplaneGenerator, stage: str) -> TriplaneGenerator:
    model.requires_grad_(False)
    if stage == "pretrain":
        model.requires_grad_(True)
        model.emotion_mapper.requires_grad_(False)
    elif stage == "portrait":  # R and M_e frozen (Sec. III-C2)
        model.requires_grad_(True)
        freeze(model.superres)
        model.emotion_mapper.requires_grad_(False)
    else:  # M_e alone (Sec. III-C3)
        model.emotion_mapper.requires_grad_(True)
    model.train()
    return model


RESIZABLE = ("out_res", "sr_upsamples")
"""Net config fields an ``--init`` checkpoint may differ in (``init_matching``)."""


def init_matching(source: TriplaneGenerator, net: TriplaneNetConfig, name: str | Path = "--init"
                  ) -> tuple[TriplaneGenerator, dict]:
    """A generator of config ``net`` with every weight of ``source`` whose name and shape match (``tiny128`` from
    a 64² ``tiny`` checkpoint: all but R's new upsampling block); the rest keep their fresh initialisation.
    Returns it and a report (``init_loaded``: tensors loaded, ``init_share``: their share of the weights,
    ``init_not_loaded``: the fresh tensors, ``init_unused``: the checkpoint's tensors that did not fit), also
    logged. The two nets may differ in R's output size only (``RESIZABLE``): any other difference is a
    ConfigError."""
    from tritalk.errors import ConfigError

    if dataclasses.replace(source.config, **{k: getattr(net, k) for k in RESIZABLE}) != net:
        raise ConfigError(f"--init '{name}' has another net config than the training config's (beyond R's output "
                          f"size, {', '.join(RESIZABLE)}); fine-tune with the config it was trained with")
    model = TriplaneGenerator(net)
    own, theirs = model.state_dict(), source.state_dict()
    loaded = {k: v for k, v in theirs.items() if k in own and own[k].shape == v.shape}
    fresh = sorted(k for k in own if k not in loaded)
    unused = sorted(k for k in theirs if k not in loaded)
    share = sum(own[k].numel() for k in loaded) / max(sum(v.numel() for v in own.values()), 1)
    model.load_state_dict(loaded, strict=False)
    logger.info("--init %s: loaded %d of %d tensors (%.1f %% of the weights); not loaded, starting fresh: %s; "
                "in the checkpoint but unused: %s", name, len(loaded), len(own), 100 * share,
                ", ".join(fresh) or "none", ", ".join(unused) or "none")
    report = {"init_loaded": len(loaded), "init_tensors": len(own), "init_share": round(share, 4),
              "init_not_loaded": fresh, "init_unused": unused}
    return model.eval(), report


def train_triplane(cfg: TriplaneTrainConfig, data: str | Path, out: str | Path, heldout: str | Path | None = None,
                   on_log: Callable[[dict], None] | None = None, init: str | Path | None = None) -> dict:
    """The stages of ``STAGES`` in order; ``init`` = a generator folder to start from (fine-tuning: its net config
    is ``cfg.net``, or one whose weights mostly match it, ``init_matching``), else random weights. A stopped run given the same ``out`` resumes."""
    from accelerate import Accelerator

    from tritalk.neural.losses import ClipEmotionLoss, IdentityLoss, PerceptualLoss

    t0 = time.perf_counter()
    out = Path(out)
    acc = Accelerator(cpu=not torch.cuda.is_available())
    torch.manual_seed(cfg.seed)
    ds = PairDataset(data, cfg.net, cfg.seed, cfg.same_view_share)
    val = PairDataset(heldout, cfg.net, cfg.seed) if heldout else None
    val_idx = np.arange(len(val))[:: max(1, len(val) // 24)] if val else None
    perceptual, identity = PerceptualLoss(cfg.vgg).to(acc.device), IdentityLoss(cfg.arcface).to(acc.device)
    clip = ClipEmotionLoss(cfg.clip).to(acc.device) if cfg.clip else None
    losses = {"perceptual": perceptual.name, "identity": identity.name,
              "emotion": clip.name if clip else "prototype-render"}
    logger.info("loss networks: %s", ", ".join(f"{k} = {v}" for k, v in losses.items()))
    history: dict[str, list] = {}
    curves: list[dict] = []
    init_report: dict = {}
    if init is not None:
        model = TriplaneGenerator.from_pretrained(init, flag="--init")
        if model.config != cfg.net:
            model, init_report = init_matching(model, cfg.net, init)
            if on_log:
                on_log(init_report)
        if val is not None and not (out / "stages" / STAGES[0] / "model.safetensors").is_file():
            rec = {"stage": "init", "step": 0, **masked_psnr_ssim(model, val, val_idx)}
            curves.append(rec)  # where fine-tuning starts, on the same held-out samples
            logger.info("held out (init): %s", rec)
            if on_log:
                on_log({"heldout": True, **rec})
    else:
        model = TriplaneGenerator(cfg.net)
    for k, stage in enumerate(STAGES):
        tcfg: TrainConfig = getattr(cfg, stage)
        d = out / "stages" / stage
        start, opt_state = 0, None
        if (d / "model.safetensors").is_file():
            model = TriplaneGenerator.from_pretrained(d, flag="--output (resume)")
            state = torch.load(d / "resume.pt", map_location="cpu", weights_only=True) \
                if (d / "resume.pt").is_file() else None
            if state:
                start, opt_state = int(state["step"]), state["optimizer"]
                history = state["extra"].get("history", history)
                curves = state["extra"].get("curves", curves)
            logger.info("stage %s: resuming at step %d of %d", stage, start, tcfg.steps)
        if start >= tcfg.steps:
            continue
        _trainable(model, stage)
        if stage == "emotion":
            loss_fn = lambda m, b: emotion_stage(m, b, perceptual, identity, clip, cfg.emotion_weights)  # noqa: E731
        else:
            loss_fn = lambda m, b: portrait_stage(m, b, perceptual, identity, cfg.portrait_weights)  # noqa: E731

        def checkpoint(step: int, m: torch.nn.Module, opt, stage=stage, d=d) -> None:
            rec = {"stage": stage, "step": step}
            if val is not None:
                rec.update(masked_psnr_ssim(m, val, val_idx))
                _trainable(m, stage)
                curves.append(rec)
                logger.info("held out: %s", rec)
                if on_log:
                    on_log({"heldout": True, **rec})
            m.save_pretrained(d)
            save_resume(d, opt, step, {"history": history, "curves": curves})

        log = history.setdefault(stage, [])

        def logged(rec: dict, stage=stage, log=log) -> None:  # kept as it comes: a checkpoint saves it mid-stage
            log.append(rec)
            if on_log:
                on_log({"stage": stage, **rec})

        train_loop(model, loss_fn, ds, collate_pairs, tcfg, acc, on_log=logged, start_step=start,
                   optimizer_state=opt_state, on_checkpoint=checkpoint, checkpoint_every=cfg.checkpoint_every)
        model = acc.unwrap_model(model)
    model = model.cpu().eval().requires_grad_(False)
    info = {}
    if acc.is_main_process:
        model.save_pretrained(out)
        info = dict(data=Path(data).name, heldout=Path(heldout).name if heldout else None,
                    init=Path(init).name if init else None, **init_report,
                    samples=len(ds), loss_networks=losses, curves=curves, history=history,
                    train_seconds=round(time.perf_counter() - t0, 1), device=str(acc.device),
                    processes=acc.num_processes, machine=platform.machine(),
                    config=json.loads(json.dumps(config_to_dict(cfg), default=str)))
        (out / "train_info.json").write_text(json.dumps(info, indent=1) + "\n")
    return info

