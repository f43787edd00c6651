"""`tritalk prepare | train | eval`: the motion generator's data and training; the paper's evaluation.

    tritalk prepare VIDEOS_DIR OUT                     # MediaPipe coefficients + head pose + phones per clip
    tritalk train motion --data OUT [--synthetic SYN] --holdout ID,... -o CKPT [--steps N] [--real-share F]
    accelerate launch $(which tritalk) train motion ...   # the same on several GPUs / nodes
    tritalk eval DATA_DIR [--engines mesh] [--baselines still,loudness,v1] [--views 0,30,60] [-o OUT]
    tritalk eval --motion --data OUT --clips ID,... [--motion-model CKPT]   # also: tritalk eval motion --data ...

Registered on the main app by ``register(app)``; only flags -> dataclasses here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

train_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Train a model (motion: G_m + lip reader; triplane: the 3D portrait generator).")


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


@train_app.command("triplane")
def train_triplane_cmd(
    data: Path = typer.Option(..., "--data", help="Training data .npz (scripts/make_triplane_data.py)."),
    output: Path = typer.Option(..., "--output", "-o", help="Checkpoint folder (config.json + model.safetensors); "
                                "a stopped run given the same folder resumes."),
    config: str = typer.Option("tiny", "--config", help="tiny (this CPU, ~40 min) | tiny-finetune, "
                               "tiny-finetune-diff, tiny128-finetune (R at 128²) (from --init) | base "
                               "(the paper's scale, GPUs) | a JSON file of TriplaneTrainConfig."),
    heldout: Optional[Path] = typer.Option(None, "--heldout", help="Held-out .npz (portraits / clips not trained "
                                           "on): PSNR / SSIM at every checkpoint, the training curves."),
    vgg: Optional[Path] = typer.Option(None, "--vgg", help="torchvision VGG-19 state dict (L_VGG); without it the "
                                       "Laplacian-pyramid substitute."),
    arcface: Optional[Path] = typer.Option(None, "--arcface", help="insightface iresnet backbone.pth (L_ID); "
                                           "without it the random-conv embedding substitute."),
    clip: Optional[Path] = typer.Option(None, "--clip", help="Hugging Face CLIP folder (L_CLIP, stage 3); "
                                        "without it the prototype-render substitute."),
    threads: int = typer.Option(0, min=0, help="torch CPU threads (0 = torch's default; 1 on a small busy CPU)."),
    init: Optional[Path] = typer.Option(None, "--init", help="Start from this generator folder (config.json + "
                                        "model.safetensors; fine-tuning, e.g. with --config tiny-finetune) instead "
                                        "of random weights."),
) -> None:
    """Train the tri-plane generator (Sec. III-C2, III-C3): pretrain, portrait (eq. 2), emotion (eq. 3)."""
    import dataclasses
    import logging

    from tritalk.errors import InputError
    from tritalk.training.triplane import train_config, train_triplane

    logging.getLogger("tritalk").setLevel(logging.INFO)
    if threads > 0:
        import torch

        torch.set_num_threads(threads)
    if init is not None and not (init / "model.safetensors").is_file():
        raise InputError(f"--init '{init}' holds no model.safetensors; give a folder written by 'tritalk train "
                         "triplane'")
    for p in [data] + ([heldout] if heldout else []):
        if not p.is_file():
            raise InputError(f"training data '{p}' does not exist; build it with scripts/make_triplane_data.py")
    cfg = dataclasses.replace(train_config(config), vgg=str(vgg) if vgg else None,
                              arcface=str(arcface) if arcface else None, clip=str(clip) if clip else None)

    def log(rec: dict) -> None:
        typer.echo(json.dumps({k: (round(v, 5) if isinstance(v, float) else v) for k, v in rec.items()}), err=True)

    info = train_triplane(cfg, data, output, heldout, on_log=log, init=init)
    typer.echo(f"wrote {output} ({info.get('samples', 0)} samples, {info.get('train_seconds', 0):.0f} s; "
               f"loss networks: {', '.join(f'{k} = {v}' for k, v in info.get('loss_networks', {}).items())})")


def eval_cmd(
    data_dir: Optional[Path] = typer.Argument(None, help="Folder of talking-face videos (MEAD: EAT's test speakers; "
                                              "HDTF, GRID, any .mp4)."),
    output: Path = typer.Option(Path("eval_out"), "--output", "-o", help="Output folder: results.json, results.md, "
                                "PNG plots, clips/ (finished clips: a rerun resumes)."),
    engines: str = typer.Option("mesh", help="Comma-separated registered engines, each driven by G_m."),
    baselines: str = typer.Option("still,loudness,v1", help="Comma-separated baselines: still (reference held "
                                  "still), loudness (jaw from loudness), v1 (the v1 speech model on the mesh engine)."),
    views: str = typer.Option("0", help="Comma-separated view yaws in degrees; 30 means -30 and +30. Only the front "
                              "view (0) has real frames to compare with; other views get the no-reference measures."),
    size: int = typer.Option(256, help="Crop size in pixels for every system and the real frames."),
    weights: Optional[Path] = typer.Option(None, help="Folder with the learned metrics' weights (SyncNet, Inception, "
                                           "LPIPS, ArcFace, emotion); without it those metrics read n/a."),
    clips: str = typer.Option("", help="Comma-separated clip ids or file stems (default: every clip)."),
    split: str = typer.Option("test", help="test (MEAD: EAT's four test speakers) or all."),
    motion: bool = typer.Option(False, "--motion", help="Coefficient-level evaluation of a speech model on a "
                                "prepared folder instead (tritalk prepare): JSON on stdout. Also: tritalk eval motion --data ..."),
    data: Optional[Path] = typer.Option(None, "--data", help="--motion: the prepared folder."),
    motion_model: str = typer.Option("gm", help="--motion: gm | v1 | a checkpoint folder."),
) -> None:
    """The paper's self-driven evaluation on real talking-face video: engines and baselines side by side."""
    from tritalk.errors import ConfigError

    if motion or (data_dir is not None and str(data_dir) == "motion" and data is not None):
        if data is None:
            raise ConfigError("--motion needs --data PREPARED (a folder written by tritalk prepare)")
        from tritalk.eval.motion_metrics import evaluate_motion

        typer.echo(json.dumps(evaluate_motion(data, motion_model, _split(clips)), indent=1))
        return
    if data_dir is None:
        raise ConfigError("give DATA_DIR, the folder of talking-face videos to evaluate (see 'tritalk eval --help')")
    if split not in ("test", "all"):
        raise ConfigError(f"unknown split '{split}'; choose test or all")
    try:
        yaws = tuple(float(v) for v in _split(views))
    except ValueError:
        raise ConfigError(f"--views '{views}' is not a list of degrees; use e.g. 0,30,60") from None
    import logging
    import os
    import sys

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from tritalk.cli.quiet import quiet_native_stderr
    from tritalk.eval.runner import evaluate_dataset, views_from

    import torch

    torch.set_num_threads(1)  # G_m is small; the renderer and MediaPipe keep the other cores
    os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ start-up lines, once per measured video
    logging.getLogger("tritalk").setLevel(logging.WARNING)
    columns = (TextColumn("[bold]eval"), BarColumn(), TextColumn("{task.completed}/{task.total} clips"),
               TextColumn("{task.description}"), TimeElapsedColumn())
    # MediaPipe prints start-up lines on fd 2 for every measured video: the bar draws on a copy of stderr
    # while fd 2 itself is silenced (errors are raised, and printed by main() once fd 2 is back)
    try:
        console_file = os.fdopen(os.dup(sys.stderr.fileno()), "w")
    except (AttributeError, ValueError, OSError):  # stderr replaced (tests)
        console_file = sys.stderr
    bar = Progress(*columns, transient=True, console=Console(file=console_file),
                   disable=not console_file.isatty())
    try:
        with bar, quiet_native_stderr():
            task = bar.add_task("", total=None)

            def progress(done: int, total: int, what: str) -> None:
                bar.update(task, completed=done, total=total, description=what)

            res = evaluate_dataset(data_dir, output, engines=_split(engines), baselines=_split(baselines),
                                   views=views_from(yaws), size=size, weights=weights, clips=_split(clips),
                                   split=split, progress=progress)
    finally:
        if console_file is not sys.stderr:
            console_file.close()
    typer.echo(f"wrote {output / 'results.json'}, {output / 'results.md'} ({res['meta']['n_clips']} clips, "
               f"{res['meta']['seconds']:.0f} s)")


def register(app: typer.Typer) -> None:
    app.command("prepare")(prepare)
    app.add_typer(train_app, name="train")
    app.command("eval", no_args_is_help=True)(eval_cmd)
