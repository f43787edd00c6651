"""`tritalk` command line: translates flags into the pipeline's dataclasses and calls it.

    tritalk generate --image face.jpg --audio speech.wav -o talk.mp4 [--emotion happy] ...
    tritalk bench [--size 512] [--seconds 10]

Errors that tritalk raises on purpose print one line (``error: ...``) and exit with the code
of their class (errors.py); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from tritalk.errors import ConfigError, TritalkError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="tritalk: one portrait photo + speech -> a talking-head video (CPU, offline).")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s" if verbose else "note: %(message)s")
    os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ logs


@app.command()
def generate(
    image: Path = typer.Option(..., "--image", "-i", help="Portrait photo (JPEG, PNG, WebP, ...; any size, EXIF rotation honoured)."),
    audio: Path = typer.Option(..., "--audio", "-a", help="Speech (WAV, MP3, FLAC, OGG, M4A, or a video file's audio track; any rate)."),
    output: Path = typer.Option(..., "--output", "-o", help="Output .mp4 (H.264 + AAC); written atomically."),
    emotion: str = typer.Option("neutral", help="One of: neutral, angry, contempt, disgusted, fearful, happy, sad, surprised."),
    intensity: float = typer.Option(0.5, help="Emotion intensity, 0 (none) to 1 (full)."),
    yaw: float = typer.Option(0.0, help="View yaw in degrees, -90..90; > 0 turns the face towards image right "
                              "(the camera moves to the subject's right). Best within +-30; beyond +-45 the side of the head is synthesised."),
    pitch: float = typer.Option(0.0, help="View pitch in degrees, -60..60; > 0 lifts the chin (camera moves down). Best within +-20."),
    roll: float = typer.Option(0.0, help="View roll in degrees; > 0 turns the head counter-clockwise on screen."),
    zoom: float = typer.Option(1.0, help="Zoom on the face, 0.25..4 (1 = the default framing)."),
    camera_path: Optional[str] = typer.Option(None, "--camera", help="Camera motion over time, added to --yaw/--pitch/--roll/--zoom: "
                                              "orbit (yaw sweeps +-30 deg), nod (pitch +-15), sway (slow drift), or a "
                                              'PATH.json of keyframes [{"t": 0, "yaw": -30}, {"t": 4, "yaw": 30, "zoom": 1.2}].'),
    size: int = typer.Option(512, help="Output width and height in pixels (even, 128..2048)."),
    fps: float = typer.Option(25.0, help="Output frame rate, 5..60."),
    seed: int = typer.Option(0, help="Random seed for blinks and head sway; same inputs + seed = same video."),
    face: Optional[int] = typer.Option(None, help="Which face to animate when the photo has several (0 = largest)."),
    blink_rate: float = typer.Option(17.0, help="Blinks per minute (0 disables blinking)."),
    head_motion: float = typer.Option(1.0, help="Head motion amount, 0 (still) to 1 (natural)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the output file if it exists."),
    motion_out: Optional[Path] = typer.Option(None, help="Also save the animation as .npz or ARKit-style .csv."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each stage."),
) -> None:
    """Render a talking-head video of IMAGE speaking AUDIO."""
    _setup_logging(verbose)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from tritalk.config import GenerateConfig
    from tritalk.pipeline import TalkingHead, check_output
    from tritalk.types import Camera, CameraPath, EmotionSpec

    spec = EmotionSpec(emotion, intensity)
    camera = CameraPath.parse(camera_path, Camera(yaw=yaw, pitch=pitch, roll=roll, zoom=zoom))
    config = GenerateConfig(size=size, fps=fps, blink_rate=blink_rate, head_motion=head_motion)
    check_output(output, overwrite)
    if motion_out is not None and motion_out.suffix.lower() not in (".npz", ".csv"):
        raise ConfigError(f"--motion-out '{motion_out}' must end in .npz or .csv")
    with TalkingHead.load(config=config) as head:
        result = head.generate(image, audio, emotion=spec, camera=camera, seed=seed, face=face)
        columns = (TextColumn("[bold]rendering"), BarColumn(), TextColumn("{task.completed}/{task.total} frames"),
                   TimeRemainingColumn())
        with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
            task = bar.add_task("render", total=result.n_frames)
            result.save(output, overwrite=overwrite, progress=lambda done, total: bar.update(task, completed=done))
    if motion_out is not None:
        (result.motion.save_npz if motion_out.suffix.lower() == ".npz" else result.motion.save_arkit_csv)(motion_out)
    typer.echo(f"wrote {output} ({result.n_frames} frames, {result.audio.duration:.2f} s)")


@app.command()
def bench(
    image: Optional[Path] = typer.Option(None, help="Portrait to use (default: the bundled example)."),
    audio: Optional[Path] = typer.Option(None, help="Speech to use (default: the bundled example)."),
    size: int = typer.Option(512, help="Frame size in pixels."),
    fps: float = typer.Option(25.0, help="Frame rate."),
    repeat: int = typer.Option(1, help="Runs to time after one warm-up run; the median is reported."),
) -> None:
    """Time a whole generation (audio -> mp4) and print JSON: fps, real-time factor, peak memory."""
    _setup_logging(False)
    from tritalk.bench import run_bench

    typer.echo(json.dumps(run_bench(image, audio, size=size, fps=fps, repeat=repeat), indent=2))


def main() -> None:
    """Console entry point: one-line errors, documented exit codes."""
    try:
        app()
    except TritalkError as e:
        typer.echo(f"error: {e}", err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        typer.echo("error: interrupted; no output was written", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
