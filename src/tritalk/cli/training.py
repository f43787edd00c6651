"""`tritalk prepare | train | eval`: the motion generator's data, training and held-out evaluation.

    tritalk prepare VIDEOS_DIR OUT                     # MediaPipe coefficients + head pose + phones per clip
    tritalk train motion --data OUT [--synthetic SYN] --holdout ID,... -o CKPT [--steps N] [--real-share F]
    accelerate launch $(which tritalk) train motion ...   # the same on several GPUs / nodes
    tritalk eval motion --data OUT --clips ID,... [--motion-model CKPT]

Registered on the main app by ``register(app)``; only flags -> dataclasses here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

train_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Train a model (motion: G_m + lip reader).")
eval_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Evaluate a model on held-out real clips.")


def _split(s: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in s.split(",") if x.strip())


def prepare(
    videos_dir: Path = typer.Argument(..., help="Folder of talking-face videos (GRID, MEAD, HDTF layouts or any)."),
    out: Path = typer.Argument(..., help="Output folder (clips/*.npz + index.json)."),
    no_phones: bool = typer.Option(False, "--no-phones", help="Skip the phone recogniser (no CTC tokens)."),
) -> None:
    """Measure every video: per-frame ARKit coefficients + head pose (MediaPipe), audio, phone spans."""
    from tritalk.training.data import prepare as run

    def progress(i: int, n: int, name: str) -> None:
        if name:
            typer.echo(f"[{i + 1}/{n}] {name}", err=True)

    records = run(videos_dir, out, progress=progress, phones=not no_phones)
    typer.echo(f"prepared {len(records)} clips into {out}")


@train_app.command("motion")
def train_motion_cmd(
    data: list[Path] = typer.Option(..., "--data", help="Prepared real folder(s) (tritalk prepare); repeatable."),
    output: Path = typer.Option(..., "--output", "-o", help="Checkpoint folder (config.json + model.safetensors)."),
    synthetic: Optional[Path] = typer.Option(None, help="Synthetic espeak-ng folder (scripts/make_synthetic.py)."),
    holdout: str = typer.Option("", help="Comma-separated clip ids or speakers never used for training."),
    steps: int = typer.Option(3000, help="G_m training steps."),
    lipreader_steps: int = typer.Option(1000, help="Lip-reader pre-training steps."),
    batch_size: int = typer.Option(16, help="Clips per batch (per process)."),
    audio_encoder: str = typer.Option("acoustic", help="acoustic | phonetic | wav2vec2."),
    audio_encoder_path: Optional[Path] = typer.Option(None, help="wav2vec2/HuBERT local directory."),
    lambda_ctc: float = typer.Option(0.1, help="λ_ctc of eq. (1)."),
    lambda_mse: float = typer.Option(10.0, help="λ_MSE of eq. (1)."),
    causal: bool = typer.Option(False, help="Streaming model (no look-ahead)."),
    real_share: float = typer.Option(0.25, min=0.0, max=0.95,
                                     help="Share of examples drawn from real clips (repeated to reach it)."),
    threads: int = typer.Option(0, min=0, help="torch CPU threads (0 = torch's default; 1 on a small busy CPU)."),
    seed: int = typer.Option(0),
) -> None:
    """Train the motion generator G_m with the lip-reading loss (eq. 1); accelerate handles devices."""
    import logging

    from tritalk.audio.encoders import EncoderConfig
    from tritalk.motion.generator import MotionGeneratorConfig
    from tritalk.motion.lipreader import MotionLossWeights
    from tritalk.training.loop import TrainConfig
    from tritalk.training.motion import MotionTrainConfig, train_motion

    logging.getLogger("tritalk").setLevel(logging.INFO)
    if threads > 0:
        import torch

        torch.set_num_threads(threads)
    enc = EncoderConfig(kind=audio_encoder, path=str(audio_encoder_path) if audio_encoder_path else None)
    cfg = MotionTrainConfig(
        data=tuple(str(d) for d in data), synthetic=str(synthetic) if synthetic else None, out=str(output),
        holdout=_split(holdout), generator=MotionGeneratorConfig(encoder=enc, causal=causal),
        weights=MotionLossWeights(ctc=lambda_ctc, mse=lambda_mse),
        lipreader_train=TrainConfig(steps=lipreader_steps, batch_size=batch_size, seed=seed,
                                    log_every=max(1, min(100, lipreader_steps))),
        motion_train=TrainConfig(steps=steps, batch_size=batch_size, seed=seed, log_every=max(1, min(100, steps))),
        real_share=real_share, seed=seed)

    def log(rec: dict) -> None:
        typer.echo(json.dumps({k: (round(v, 5) if isinstance(v, float) else v) for k, v in rec.items()}), err=True)

    info = train_motion(cfg, on_log=log)
    typer.echo(f"wrote {output} (trained on {info.get('n_real', 0)} real + {info.get('n_synthetic', 0)} synthetic "
               f"clips in {info.get('train_seconds', 0):.0f} s; held out: {', '.join(cfg.holdout) or 'none'})")


@eval_app.command("motion")
def eval_motion_cmd(
    data: Path = typer.Option(..., "--data", help="Prepared real folder (tritalk prepare)."),
    clips: str = typer.Option("", help="Comma-separated clip ids (default: every clip the model did not train on)."),
    motion_model: str = typer.Option("gm", help="gm | v1 | a checkpoint folder."),
) -> None:
    """Per-clip correlation of predicted vs measured jawOpen / mouthClose, lag, closures; JSON on stdout."""
    from tritalk.eval.motion_metrics import evaluate_motion

    typer.echo(json.dumps(evaluate_motion(data, motion_model, _split(clips)), indent=1))


def register(app: typer.Typer) -> None:
    app.command("prepare")(prepare)
    app.add_typer(train_app, name="train")
    app.add_typer(eval_app, name="eval")
