"""One training loop for every stage (it knows nothing about them), run through ``accelerate``.

The same code runs on one CPU, one GPU, or several GPUs / nodes (``accelerate launch``): the
Accelerator places the model, shards the data loader and averages gradients. Read top to bottom:
set lr -> forward -> backward -> clip -> step -> log (every term of the loss dict).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Callable

import torch

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 3000
    batch_size: int = 16
    lr: float = 2e-3
    """AdamW peak learning rate (a small model on a small data set)."""
    weight_decay: float = 0.01
    warmup: int = 100
    """Linear warm-up steps, then cosine decay to lr/20."""
    grad_clip: float = 1.0
    log_every: int = 100
    seed: int = 0
    num_workers: int = 0


def lr_at(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    p = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))


def train_loop(model: torch.nn.Module, loss_fn: Callable[[torch.nn.Module, dict], dict[str, torch.Tensor]], dataset,
               collate_fn, cfg: TrainConfig, accelerator=None,
               on_log: Callable[[dict], None] | None = None, start_step: int = 0,
               optimizer_state: dict | None = None,
               on_checkpoint: Callable[[int, torch.nn.Module, torch.optim.Optimizer], None] | None = None,
               checkpoint_every: int = 0) -> list[dict]:
    """Optimise ``model``'s trainable parameters on ``sum(loss_fn(model, batch).values())``; returns the log.

    ``loss_fn`` gets the *prepared* model (DDP-wrapped on several GPUs): call it, not the original.
    Resuming: ``start_step`` and ``optimizer_state`` (from a resume file) continue a stopped run;
    ``on_checkpoint(step, unwrapped model, optimizer)`` is called every ``checkpoint_every`` steps and at the end
    (main process only).
    """
    from accelerate import Accelerator

    acc = accelerator or Accelerator(cpu=not torch.cuda.is_available())
    torch.manual_seed(cfg.seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if optimizer_state is not None:
        opt.load_state_dict(optimizer_state)
    g = torch.Generator().manual_seed(cfg.seed)
    loader = torch.utils.data.DataLoader(dataset, batch_size=cfg.batch_size, shuffle=True, drop_last=True,
                                         collate_fn=collate_fn, generator=g, num_workers=cfg.num_workers)
    if len(loader) == 0:
        loader = torch.utils.data.DataLoader(dataset, batch_size=len(dataset), shuffle=True,
                                             collate_fn=collate_fn, generator=g)
    model, opt, loader = acc.prepare(model, opt, loader)
    model.train()
    history, sums, n_sum, t0 = [], {}, 0, time.perf_counter()
    step = start_step
    while step < cfg.steps:
        for batch in loader:
            if step >= cfg.steps:
                break
            for group in opt.param_groups:
                group["lr"] = lr_at(step, cfg)
            terms = loss_fn(model, batch)
            loss = sum(terms.values())
            opt.zero_grad(set_to_none=True)
            acc.backward(loss)
            if cfg.grad_clip > 0:
                acc.clip_grad_norm_(params, cfg.grad_clip)
            opt.step()
            for k, v in terms.items():
                sums[k] = sums.get(k, 0.0) + float(v.detach())
            n_sum += 1
            step += 1
            if step % cfg.log_every == 0 or step == cfg.steps:
                rec = {"step": step, "lr": lr_at(step - 1, cfg), "seconds": round(time.perf_counter() - t0, 1),
                       **{k: v / n_sum for k, v in sums.items()}}
                rec["loss"] = sum(v for k, v in rec.items() if k in sums)
                history.append(rec)
                if acc.is_main_process:
                    logger.info("step %d  %s", step, "  ".join(f"{k} {v:.4f}" for k, v in rec.items()
                                                             if k in sums or k == "loss"))
                    if on_log:
                        on_log(rec)
                sums, n_sum = {}, 0
            if on_checkpoint and acc.is_main_process and (
                    step == cfg.steps or (checkpoint_every and step % checkpoint_every == 0)):
                on_checkpoint(step, acc.unwrap_model(model), opt)
    acc.wait_for_everyone()
    return history
