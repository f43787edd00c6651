"""`tritalk` command line: translates flags into the pipeline's dataclasses and calls it.

    tritalk generate --image face.jpg --audio speech.wav -o talk.mp4 [--emotion happy] ...
    tritalk bench [--size 512] [--seconds 10]

Every failure prints one line (``error: ...``) on stderr and exits with a documented code:
errors tritalk raises on purpose use their class's code (errors.py), unparsable flags exit 5,
Ctrl-C exits 130, and anything else is a bug, reported as one ``internal error`` line (exit 1);
``--verbose`` adds the traceback.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import traceback
import warnings
from pathlib import Path
from typing import Optional

import typer

from tritalk.errors import ConfigError, TritalkError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="tritalk: one portrait photo + speech -> a talking-head video (CPU, offline).")


EXIT_USAGE = ConfigError.exit_code  # an unparsable or missing flag is an option problem
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130
EXIT_CODES = (
    "Exit codes: 0 done; "
    "1 internal error (a bug; please report it with the --verbose output); "
    "2 other input problem; "
    "3 image unreadable, or no usable face in it (none, too small, turned too far); "
    "4 audio unreadable, truncated, empty or too short; "
    "5 an option is invalid (out of range, unknown name, unparsable, missing); "
    "6 output cannot be written (folder missing or read-only, exists without --overwrite, not .mp4); "
    "7 model weights missing; "
    "130 interrupted (Ctrl-C). "
    "Every error is one line on stderr ('error: ...'); no partial output file is ever left."
)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s" if verbose else "note: %(message)s")
    os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ logs
    if not verbose:  # library warnings are for developers; users get one-line notes and errors
        warnings.simplefilter("ignore")


@app.command(epilog=EXIT_CODES)
def generate(
    image: Path = typer.Option(..., "--image", "-i", help="Portrait photo (JPEG, PNG, WebP, ...; any size, EXIF rotation honoured)."),
    audio: Path = typer.Option(..., "--audio", "-a", help="Speech (WAV, MP3, FLAC, OGG, M4A, or a video file's audio track; any rate)."),
    output: Path = typer.Option(..., "--output", "-o", help="Output .mp4 (H.264 + AAC); written atomically."),
    emotion: str = typer.Option("neutral", help="One of: neutral, angry, contempt, disgusted, fearful, happy, sad, surprised; "
                                "or a timeline in seconds, 'neutral:0-2,happy:2-6,sad:6-' (NAME@0.8:2-6 sets a segment's intensity); "
                                "or a description, 'quietly furious' (needs pip install 'tritalk[text]')."),
    intensity: float = typer.Option(0.5, help="Emotion intensity, 0 (none) to 1 (full)."),
    emotion_stats: Optional[Path] = typer.Option(None, help="Per-emotion expression statistics (.npz, learned from emotional "
                                                 "video) to use instead of the built-in FACS prototypes."),
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
    blink_rate: float = typer.Option(17.0, help="Blinks per minute at neutral, 0..60 (0 disables blinking); emotions "
                                     "scale it (fear and anger blink more, surprise less)."),
    head_motion: float = typer.Option(1.0, help="Head motion amount, 0 (still) to 1 (natural: nods on stressed syllables, "
                                      "turns between phrases, idle sway; energy follows the emotion)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the output file if it exists."),
    motion_out: Optional[Path] = typer.Option(None, help="Also save the animation as .npz or ARKit-style .csv."),
    motion_model: str = typer.Option("gm", help="Speech -> mouth model: gm (transformer G_m, default), v1 (linear baseline), or a checkpoint folder."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each stage."),
) -> None:
    """Render a talking-head video of IMAGE speaking AUDIO."""
    _setup_logging(verbose)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from tritalk.config import GenerateConfig
    from tritalk.io.media import check_output_path
    from tritalk.pipeline import TalkingHead, check_output
    from tritalk.types import Camera, CameraPath, EmotionSpec

    from tritalk.motion.emotion import EmotionModel, parse_emotion

    if not 0.0 <= intensity <= 1.0:
        raise ConfigError(f"intensity {intensity} is out of range; use a value in [0, 1]")
    spec = parse_emotion(emotion, intensity)
    if not isinstance(spec, EmotionSpec) or spec.mixture:  # a timeline or a description: say what was understood
        typer.echo(f"emotion: {spec.describe()}", err=True)
    camera = CameraPath.parse(camera_path, Camera(yaw=yaw, pitch=pitch, roll=roll, zoom=zoom))
    config = GenerateConfig(size=size, fps=fps, blink_rate=blink_rate, head_motion=head_motion,
                            motion_model=motion_model)
    check_output(output, overwrite)
    if motion_out is not None:
        check_output_path(motion_out, overwrite, suffixes=(".npz", ".csv"), what="--motion-out")
    with TalkingHead.load(config=config) as head:
        if emotion_stats is not None:
            head.emotion_model = EmotionModel.from_stats(emotion_stats)
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


from tritalk.cli.training import register as _register_training  # noqa: E402  prepare | train | eval

_register_training(app)


def _one_line(text: object, limit: int = 500) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _fail(message: str, code: int, verbose: bool = False) -> None:
    if verbose:
        traceback.print_exc()
    sys.stderr.write(f"error: {_one_line(message)}\n")
    sys.stderr.flush()
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: every failure is one ``error:`` line and a documented exit code."""
    args = sys.argv[1:] if argv is None else list(argv)
    verbose = "--verbose" in args or "-v" in args
    try:
        # not standalone: click would print usage boxes and turn Ctrl-C into a silent exit
        code = app(args=args, standalone_mode=False)
    except TritalkError as e:
        _fail(str(e), e.exit_code, verbose)
    except typer.TyperException as e:  # typer's (vendored) click errors: bad, unknown or missing flags
        if type(e).__name__ == "NoArgsIsHelpError":  # bare `tritalk`: typer has printed the help
            sys.exit(0)
        ctx = getattr(e, "ctx", None)
        where = f"; see '{ctx.command_path} --help'" if ctx is not None else ""
        _fail(f"{e.format_message().rstrip('.')}{where}", EXIT_USAGE if e.exit_code == 2 else e.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut this line short
        _fail("interrupted; no output was written", EXIT_INTERRUPTED, verbose)
    except MemoryError:
        _fail("not enough memory; use a smaller --size or a shorter recording", EXIT_INTERNAL, verbose)
    except Exception as e:  # a bug: one line for users, the traceback with --verbose
        _fail(f"internal error ({type(e).__name__}: {e}); please report it with the --verbose output",
              EXIT_INTERNAL, verbose)
    if code == EXIT_INTERRUPTED:  # typer turns KeyboardInterrupt into Exit(130) and returns it
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _fail("interrupted; no output was written", EXIT_INTERRUPTED)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
