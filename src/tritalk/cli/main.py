"""`tritalk` command line: translates flags into the pipeline's dataclasses and calls it.

    tritalk generate --image face.jpg --audio speech.wav -o talk.mp4 [--emotion happy] ...
    tritalk bench [--size 512] [--live --size 256 --seconds 300]
    tritalk live --image face.jpg --audio-in speech.wav|- [-o live.mp4 | --y4m]
    tritalk ui [--host 127.0.0.1] [--port 7860]

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

from tritalk.errors import ConfigError, OutputError, TritalkError, caused_by_ctrl_c

logger = logging.getLogger("tritalk.cli")

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None,  # help texts are plain: 'tritalk[text]' must print its brackets
                  help="tritalk: one portrait photo + speech -> a talking-head video (CPU, offline).")


EXIT_USAGE = ConfigError.exit_code  # an unparsable or missing flag is an option problem
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130
EXIT_BATCH_FAILED = 8
EXIT_CODES = (
    "Exit codes: 0 done; "
    "1 internal error (a bug; please report it with the --verbose output); "
    "2 other input problem; "
    "3 image unreadable, or no usable face in it (none, too small, turned too far); "
    "4 audio unreadable, truncated, empty or too short; "
    "5 an option is invalid (out of range, unknown name, unparsable, missing); "
    "6 output cannot be written (folder missing or read-only, exists without --overwrite, wrong extension); "
    "7 model weights missing; "
    "8 tritalk batch: at least one row failed (the others were rendered; the failures file lists why); "
    "130 interrupted (Ctrl-C). "
    "Every error is one line on stderr ('error: ...'); no partial output file is ever left."
)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s" if verbose else "note: %(message)s")
    os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ logs
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # transformers (optional text emotions) never asks the hub
    if not verbose:  # library warnings are for developers; users get one-line notes and errors
        warnings.simplefilter("ignore")


@app.command(epilog=EXIT_CODES)
def generate(
    ctx: typer.Context,
    image: Path = typer.Option(..., "--image", "-i", help="Portrait photo (JPEG, PNG, WebP, ...; any size, EXIF rotation honoured)."),
    audio: Path = typer.Option(..., "--audio", "-a", help="Speech (WAV, MP3, FLAC, OGG, M4A, or a video file's audio track; any rate)."),
    output: Path = typer.Option(..., "--output", "-o", help="Output .mp4 (H.264 + AAC 48 kHz); written atomically."),
    emotion: str = typer.Option("neutral", help="One of: neutral, angry, contempt, disgusted, fearful, happy, sad, surprised; "
                                "or a timeline in seconds, 'neutral:0-2,happy:2-6,sad:6-' (NAME@0.8:2-6 sets a segment's intensity); "
                                "or a description, 'quietly furious' (needs pip install 'tritalk[text]')."),
    intensity: float = typer.Option(0.5, help="Emotion intensity, 0 (none) to 1 (full)."),
    emotion_stats: Optional[Path] = typer.Option(None, help="Per-emotion expression statistics (.npz, learned from emotional "
                                                 "video) to use instead of the built-in FACS prototypes."),
    yaw: float = typer.Option(0.0, help="View yaw in degrees, -90..90; > 0 turns the face towards image right "
                              "(the camera moves to the subject's right). Best within +-45; up to +-60 the side of the full 3D head "
                              "shows, completed from the photo's colours (smooth skin, hair with strands; less like the person)."),
    pitch: float = typer.Option(0.0, help="View pitch in degrees, -60..60; > 0 lifts the chin (camera moves down). Best within +-25."),
    roll: float = typer.Option(0.0, help="View roll in degrees; > 0 turns the head counter-clockwise on screen."),
    zoom: float = typer.Option(1.0, help="Zoom on the face, 0.25..4 (1 = the default framing)."),
    distance: Optional[float] = typer.Option(None, help="Viewer distance from the head in cm, 15..1000: sets the perspective of "
                                             "turned views (default: the photo's camera's, from the lens its EXIF records, "
                                             "else 100, a portrait photographer's; 35 = a phone selfie's, the near side grows)."),
    fov: Optional[float] = typer.Option(None, help="Horizontal field of view in degrees, 5..120, at --distance (default: the "
                                        "photo's own framing; smaller = the head fills more of the frame)."),
    camera_path: Optional[str] = typer.Option(None, "--camera", help="Camera motion over time, added to --yaw/--pitch/--roll/--zoom: "
                                              "orbit (yaw sweeps +-30 deg), nod (pitch +-15), sway (slow drift), or a "
                                              'PATH.json of keyframes [{"t": 0, "yaw": -30}, {"t": 4, "yaw": 30, "zoom": 1.2}].'),
    full_head: bool = typer.Option(True, "--full-head/--no-full-head", help="Mesh engine: draw ICT-FaceKit's full "
                                   "3D head (skull, ears, neck) behind the face for turned views (+-30..60 deg; on by "
                                   "default). --no-full-head: the older 2.5D sheet, ~1.1-1.3x faster; seams show at "
                                   "+-45..60 either way."),
    hair: str = typer.Option("auto", help="Mesh engine, turned views: how the hair hangs behind the face. auto "
                             "(read from the photo), long (falls behind the ears to the shoulders), over_ears (a bob "
                             "over the ears to the jaw), short (a crop). Give it when the turned head's hair is wrong: "
                             "thin long strands in a small photo can read as short."),
    render_processes: int = typer.Option(1, help="Mesh engine: worker processes that render the frames (forked once; "
                                         "0 = one per CPU core, at most 4: ~10 % faster on 2 cores, experimental; 1 = "
                                         "render in this process, on threads)."),
    engine: str = typer.Option("mesh", help="Renderer: mesh (explicit 3D mesh from the photo; CPU, real time) or "
                               "triplane (the paper's tri-plane generator: its face over the mesh engine's hair, body "
                               "and background; the shipped tiny model gives low detail). An unknown name lists the "
                               "registered engines."),
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help="Triplane engine: a generator folder "
                                              "(config.json + model.safetensors from 'tritalk train triplane') instead "
                                              "of the shipped tiny one."),
    size: int = typer.Option(512, help="Output width and height in pixels (even, 128..2048)."),
    fps: float = typer.Option(25.0, help="Output frame rate, 5..60."),
    seed: int = typer.Option(0, help="Random seed for blinks and head sway; same inputs + seed = same video."),
    face: Optional[int] = typer.Option(None, help="Which face to animate when the photo has several (0 = largest)."),
    blink_rate: float = typer.Option(17.0, help="Blinks per minute at neutral, 0..60 (0 disables blinking); emotions "
                                     "scale it (fear and anger blink more, surprise less)."),
    head_motion: float = typer.Option(1.0, help="Head motion amount, 0 (still) to 1 (natural: nods on stressed syllables, "
                                      "turns between phrases, idle sway; energy follows the emotion)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the output file if it exists."),
    motion_out: Optional[Path] = typer.Option(None, help="Also save the animation: .npz (every field, exact: --motion-in renders "
                                              "it again) or .csv (Live Link Face layout, absolute ARKit values)."),
    export_glb: Optional[Path] = typer.Option(None, help="Also export the fitted, textured head as glTF 2.0 (.glb): the "
                                              "52 ARKit blendshapes as named morph targets, animated (morph weights, head "
                                              "pose, gaze) at the video's frame rate; the audio goes beside it (same name, .wav). "
                                              "Opens in Blender, three.js, ..."),
    motion_in: Optional[Path] = typer.Option(None, help="Render this saved animation (.npz from --motion-out) instead of making one "
                                             "from the audio; the audio is still the soundtrack. Same photo + same .npz = same frames."),
    start: float = typer.Option(0.0, help="Render the audio from this time [s] (the video starts there)."),
    end: Optional[float] = typer.Option(None, help="Render the audio up to this time [s] (default: its end)."),
    motion_model: str = typer.Option("gm", help="Speech -> mouth model: gm (transformer G_m, default), v1 (linear baseline), or a checkpoint folder."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="Start from this config tree (.json written beside an "
                                               "earlier output, or by TritalkConfig.save); flags given here override it."),
    record: bool = typer.Option(True, "--record/--no-record", help="Write NAME.tritalk.json beside NAME.mp4: the version, "
                                "the whole config tree and the inputs (files with SHA-256, emotion, camera, seed). "
                                "--config NAME.tritalk.json takes its config tree back; give the inputs as flags again."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each stage."),
) -> None:
    """Render a talking-head video of IMAGE speaking AUDIO."""
    _setup_logging(verbose)
    from dataclasses import replace

    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from tritalk.io.audio import check_span, load_audio
    from tritalk.io.image import load_image
    from tritalk.io.video import check_output_path
    from tritalk.motion.emotion_timeline import parse_emotion
    from tritalk.types import Camera, CameraPath, EmotionSpec, Motion

    # everything a user can get wrong is checked before the models load (a few seconds): options, outputs,
    # then the inputs are decoded, so a bad flag or a broken file is one line within a second
    if not 0.0 <= intensity <= 1.0:
        raise ConfigError(f"intensity {intensity} is out of range; use a value in [0, 1]")
    check_span(start, end)
    spec = parse_emotion(emotion, intensity)
    if not isinstance(spec, EmotionSpec) or spec.mixture:  # a timeline or a description: say what was understood
        typer.echo(f"emotion: {spec.describe()}", err=True)
    camera = CameraPath.parse(camera_path, Camera(yaw=yaw, pitch=pitch, roll=roll, zoom=zoom, distance=distance, fov=fov))
    check_output_path(output, overwrite)
    if motion_out is not None:
        check_output_path(motion_out, overwrite, suffixes=(".npz", ".csv"), what="--motion-out")
    record_path = output.with_name(output.stem + ".tritalk.json")
    if record:
        if record_path.exists() and not overwrite:
            raise OutputError(f"'{record_path}' (the run record) already exists; pass --overwrite to replace it, "
                              "--no-record to skip it, or choose another output name")
        check_output_path(record_path, True, suffixes=(".json",), what="the run record")
    if export_glb is not None:
        check_output_path(export_glb, overwrite, suffixes=(".glb",), what="--export-glb")
        check_output_path(export_glb.with_suffix(".wav"), overwrite, suffixes=(".wav",), what="the .glb's soundtrack")
    motion = Motion.load_npz(motion_in) if motion_in is not None else None
    clip = load_audio(audio, max_seconds=end)  # the order the pipeline reads them in: audio, then the photo
    load_image(image)  # decoded again by the pipeline (tens of ms), which names the file in its face errors

    from tritalk.cli.quiet import quiet_native_stderr
    from tritalk.config import TritalkConfig
    from tritalk.pipeline import TalkingHead, save_run_record

    config = _config_from_flags(ctx, TritalkConfig.load(config_file) if config_file else TritalkConfig(), replace,
                                size=size, fps=fps, engine=engine, blink_rate=blink_rate, head_motion=head_motion,
                                motion_model=motion_model, full_head=full_head, render_processes=render_processes,
                                hair=hair, emotion_stats=None if emotion_stats is None else str(emotion_stats),
                                checkpoint=None if checkpoint is None else str(checkpoint))
    if motion is not None:
        given = [f"--{n.replace('_', '-')}" for n in ("emotion", "intensity", "seed", "blink_rate", "head_motion",
                                                       "motion_model", "emotion_stats")
                 if ctx.get_parameter_source(n) is not None and ctx.get_parameter_source(n).name == "COMMANDLINE"]
        if given:
            logger.warning("%s made no difference: --motion-in renders the saved animation as it is", ", ".join(given))
    import torch

    torch.set_num_threads(1)  # G_m is small: one thread is fastest and leaves the other cores to the renderer
    with quiet_native_stderr():  # MediaPipe's start-up lines (absl / TFLite) go to fd 2
        head = TalkingHead.load(config=config)
    with head:
        columns = (TextColumn("[bold]{task.description}"), BarColumn(),
                   TextColumn("{task.completed}/{task.total} frames"), TimeRemainingColumn())
        with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
            task = bar.add_task("motion", total=None)
            result = head.generate(image, clip, emotion=spec, camera=camera, seed=seed, face=face, motion=motion,
                                   start=start, end=end,
                                   progress=lambda done, total: bar.update(task, completed=done, total=total))
        before = _file_id(output)
        try:
            with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
                task = bar.add_task("rendering", total=result.n_frames)
                result.save(output, overwrite=overwrite, progress=lambda done, total: bar.update(task, completed=done))
        except KeyboardInterrupt:
            if _file_id(output) != before:  # Ctrl-C just after the atomic rename: the new file is complete
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                _fail(f"interrupted after '{output}' was written; the file is complete", EXIT_INTERRUPTED)
            raise
    if motion_out is not None:
        try:
            (result.motion.save_npz if motion_out.suffix.lower() == ".npz" else result.motion.save_arkit_csv)(motion_out)
        except OSError as e:
            raise OutputError(f"cannot write --motion-out '{motion_out}' ({e.strerror}); free some space or choose "
                              "another folder") from None
    if export_glb is not None:
        result.export_glb(export_glb, overwrite=overwrite)
        typer.echo(f"wrote {export_glb} and {export_glb.with_suffix('.wav')}")
    if record:
        save_run_record(record_path, config, image=image, audio=audio, emotion=spec, camera=camera, seed=seed,
                        face=face, motion_in=motion_in, start=start, end=end)
    typer.echo(f"wrote {output} ({result.n_frames} frames, {result.audio.duration:.2f} s)")


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


# flag -> where it lives in the config tree
_FLAG_FIELDS = {"size": ("size",), "fps": ("fps",), "engine": ("engine",), "blink_rate": ("motion", "blink_rate"),
                "head_motion": ("motion", "head_motion"), "motion_model": ("motion", "model"),
                "emotion_stats": ("motion", "emotion_stats"), "full_head": ("mesh", "full_head"),
                "checkpoint": ("triplane", "checkpoint"), "render_processes": ("mesh", "render_processes"),
                "hair": ("mesh", "head", "hair")}


def _config_from_flags(ctx: typer.Context, config, replace, **flags):
    """The config tree with each flag written in: every flag over the defaults, or, over a --config file,
    only the flags given on the command line."""

    from_file = ctx.params.get("config_file") is not None
    for name, value in flags.items():
        source = ctx.get_parameter_source(name)  # typer's own click: compare by name, not by enum class
        if from_file and (source is None or source.name != "COMMANDLINE"):
            continue
        config = _replace_at(config, _FLAG_FIELDS[name], value, replace)
    return config


def _replace_at(node, path: tuple[str, ...], value, replace):
    """``node`` (a frozen dataclass tree) with the field at ``path`` set to ``value``."""
    head, *rest = path
    return replace(node, **{head: _replace_at(getattr(node, head), tuple(rest), value, replace) if rest else value})


@app.command(epilog=EXIT_CODES)
def batch(
    ctx: typer.Context,
    jobs: Path = typer.Argument(..., help="CSV with a header line: image, audio, output (required) and optionally emotion, "
                                "intensity, yaw, pitch, seed, hair (auto, long, over_ears, short: as generate's "
                                "--hair); one video per row. Relative paths are read from the CSV's folder."),
    workers: int = typer.Option(max(1, min(os.cpu_count() or 1, 4)), help="Worker processes, each loading the models once "
                                "and using about one core (default: the cores, at most 4)."),
    failures: Optional[Path] = typer.Option(None, help="Where to write the failed rows with their one-line reasons "
                                            "(default: JOBS.failures.csv beside the jobs file; removed when none failed)."),
    size: int = typer.Option(512, help="Output width and height in pixels (even, 128..2048)."),
    fps: float = typer.Option(25.0, help="Output frame rate, 5..60."),
    engine: str = typer.Option("mesh", help="Renderer (see generate --help)."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="Start from this config tree (.json); "
                                               "--size/--fps/--engine given here override it."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Render every row again, replacing existing outputs "
                                   "(default: rows whose output exists are skipped, so a rerun finishes what is left)."),
    ray_address: Optional[str] = typer.Option(None, "--ray", metavar="ADDRESS", help="Run the rows on a Ray cluster "
                                              "(pip install 'tritalk[cluster]'): HOST:PORT of its head, ray://HOST:10001, "
                                              "auto, or local (a private instance here). Only this machine needs the "
                                              "CSV's files: inputs and videos travel as bytes. --workers is then the "
                                              "number of actors (default: one per free CPU of the cluster)."),
) -> None:
    """Render every row of a jobs CSV; keeps going past a bad row. Prints a summary, writes the failures,
    and exits 8 if any row failed."""
    _setup_logging(False)
    from dataclasses import replace

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from tritalk.batch import read_jobs, run_batch
    from tritalk.config import TritalkConfig

    if workers < 1:
        raise ConfigError(f"--workers {workers} is out of range; use 1 or more")
    rows = read_jobs(jobs)
    config = _config_from_flags(ctx, TritalkConfig.load(config_file) if config_file else TritalkConfig(), replace,
                                size=size, fps=fps, engine=engine)
    from tritalk.engine import engine_class

    engine_class(config.engine)  # an unknown engine fails the batch once, not each row
    failures = failures or jobs.with_name(jobs.stem + ".failures.csv")
    columns = (TextColumn("[bold]batch"), BarColumn(), MofNCompleteColumn(), TextColumn("jobs"), TimeRemainingColumn())
    from rich.console import Console

    with Progress(*columns, console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("batch", total=len(rows))

        def progress(outcome, finished, total):
            bar.update(task, completed=finished)
            if outcome.status == "failed":
                bar.console.print(f"row {outcome.job.row}: failed: {outcome.message}", markup=False, highlight=False,
                                  soft_wrap=True)

        if ray_address is not None:
            from tritalk.batch_ray import run_batch_ray

            given = ctx.get_parameter_source("workers")
            n = workers if given is not None and given.name == "COMMANDLINE" else None
            report = run_batch_ray(rows, config, address=ray_address, workers=n, overwrite=overwrite,
                                   progress=progress)
        else:
            report = run_batch(rows, config, workers=workers, overwrite=overwrite, progress=progress)
    if report.failures:
        report.write_failures(failures)
    else:
        failures.unlink(missing_ok=True)
    typer.echo(f"batch: {report.summary()}" + (f"; failures in {failures}" if report.failures else ""))
    if report.failures:
        raise typer.Exit(EXIT_BATCH_FAILED)


@app.command()
def bench(
    image: Optional[Path] = typer.Option(None, help="Portrait to use (default: the bundled example)."),
    audio: Optional[Path] = typer.Option(None, help="Speech to use (default: the bundled example)."),
    size: int = typer.Option(512, help="Frame size in pixels."),
    fps: float = typer.Option(25.0, help="Frame rate."),
    repeat: int = typer.Option(1, help="Runs to time after one warm-up run; the median is reported."),
    live: bool = typer.Option(False, "--live", help="Time live mode instead: feed the audio in real time (20 ms "
                              "chunks) and print latency_ms_p50/p95, fps, dropped_frames, drift_ms and the jawOpen "
                              "correlation with the offline render."),
    seconds: Optional[float] = typer.Option(None, help="--live: loop or cut the audio to this many seconds."),
    full_head: bool = typer.Option(True, "--full-head/--no-full-head", help="Mesh engine with / without the full 3D "
                                   "head (as generate's flag), to time both."),
    render_processes: int = typer.Option(1, help="Worker processes rendering the frames, as generate's flag (0 = one "
                                         "per core, experimental; 1 = threads in this process, the default)."),
    yaw: float = typer.Option(0.0, help="Viewer camera yaw in degrees, as generate's flag (a turned view draws the "
                              "head's completed side and the wall past the photo: time it with 45)."),
    pitch: float = typer.Option(0.0, help="Viewer camera pitch in degrees, as generate's flag."),
) -> None:
    """Time a whole generation (audio -> mp4) and print JSON: fps, real-time factor, peak memory."""
    from tritalk.cli.quiet import quiet_native_stderr

    _setup_logging(False)
    if live:
        from tritalk.bench import run_live_bench

        if seconds is not None and not seconds > 0:
            raise ConfigError(f"--seconds {seconds} is invalid; use a duration > 0")
        with quiet_native_stderr():  # an error still prints: the handler runs after fd 2 is restored
            result = run_live_bench(image, audio, size=size, seconds=seconds)
        typer.echo(json.dumps(result, indent=2))
        return
    from tritalk.bench import run_bench

    with quiet_native_stderr():
        result = run_bench(image, audio, size=size, fps=fps, repeat=repeat, full_head=full_head,
                           render_processes=render_processes, yaw=yaw, pitch=pitch)
    typer.echo(json.dumps(result, indent=2))


from tritalk.cli.training import register as _register_training  # noqa: E402  prepare | train | eval

_register_training(app)

from tritalk.cli.live import register as _register_live  # noqa: E402  live

_register_live(app)

from tritalk.cli.ui import register as _register_ui  # noqa: E402  ui

_register_ui(app)


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
        if caused_by_ctrl_c(e):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            _fail("interrupted; no output was written", EXIT_INTERRUPTED, verbose)
        _fail(f"internal error ({type(e).__name__}: {e}); please report it with the --verbose output",
              EXIT_INTERNAL, verbose)
    if code == EXIT_INTERRUPTED:  # typer turns KeyboardInterrupt into Exit(130) and returns it
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _fail("interrupted; no output was written", EXIT_INTERRUPTED)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
