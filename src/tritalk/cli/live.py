"""`tritalk live`: a live session fed from a file (paced in real time) or raw PCM on stdin; frames out as an
mp4 or as a y4m stream on stdout (pipe it into ffmpeg, OBS or a virtual camera; README "Live mode").

    tritalk live --image face.jpg --audio-in speech.wav -o live.mp4
    arecord -f S16_LE -r 16000 -c 1 -t raw | tritalk live --image face.jpg --audio-in - --rate 16000 --y4m | ffplay -
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import BinaryIO, Iterator, Optional

import numpy as np
import typer

from tritalk.errors import AudioError, ConfigError

CHUNK_S = 0.02  # 20 ms: what a sound card or a WebRTC packet delivers


def y4m_header(size: int, fps: float) -> bytes:
    from fractions import Fraction

    f = Fraction(fps).limit_denominator(1001)
    return f"YUV4MPEG2 W{size} H{size} F{f.numerator}:{f.denominator} Ip A1:1 C444\n".encode()


def y4m_frame(rgb: np.ndarray) -> bytes:
    """One 4:4:4 frame (Y, Cb, Cr planes, BT.601 studio range as ffmpeg reads y4m) from RGB uint8."""
    import cv2

    ycrcb = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)  # full range
    y = ycrcb[..., 0].astype(np.float32) * (219.0 / 255.0) + 16.0
    cr = (ycrcb[..., 1].astype(np.float32) - 128.0) * (224.0 / 255.0) + 128.0
    cb = (ycrcb[..., 2].astype(np.float32) - 128.0) * (224.0 / 255.0) + 128.0
    planes = np.stack([y, cb, cr]).round().clip(0, 255).astype(np.uint8)
    return b"FRAME\n" + planes.tobytes()


def _file_chunks(clip, pace: bool) -> Iterator[np.ndarray]:
    step = max(1, int(round(CHUNK_S * clip.sample_rate)))
    t0 = time.perf_counter()
    for start in range(0, clip.samples.shape[0], step):
        if pace:
            wait = t0 + start / clip.sample_rate - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        yield clip.samples[start:start + step]


def _stdin_chunks(stream: BinaryIO, rate: int) -> Iterator[np.ndarray]:
    n_bytes = 2 * max(1, int(round(CHUNK_S * rate)))
    rest = b""
    while True:
        data = stream.read(n_bytes)
        if not data:
            break
        data = rest + data
        cut = len(data) - len(data) % 2
        rest = data[cut:]
        if cut:
            yield np.frombuffer(data[:cut], "<i2").astype(np.float32) / 32768.0


def live(
    image: Path = typer.Option(..., "--image", "-i", help="Portrait photo."),
    audio_in: str = typer.Option("-", "--audio-in", help="Speech: a file (any format, fed in real time) or '-' for raw "
                                 "PCM on stdin (s16le mono at --rate)."),
    rate: int = typer.Option(16000, help="Sample rate of the raw PCM on stdin [Hz]."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write an .mp4 (H.264 + AAC) of the session."),
    y4m: bool = typer.Option(False, "--y4m", help="Write the frames to stdout as a YUV4MPEG2 (4:4:4) stream."),
    size: int = typer.Option(256, help="Frame width and height in pixels (even)."),
    emotion: str = typer.Option("neutral", help="Emotion name, timeline or description (as tritalk generate)."),
    intensity: float = typer.Option(0.5, help="Emotion intensity, 0 to 1."),
    yaw: float = typer.Option(0.0, help="View yaw in degrees."),
    pitch: float = typer.Option(0.0, help="View pitch in degrees."),
    zoom: float = typer.Option(1.0, help="Zoom on the face."),
    seed: int = typer.Option(0, help="Seed for blinks, head sway and gaze."),
    fast: bool = typer.Option(False, "--fast", help="Feed a file as fast as possible instead of in real time."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the output file if it exists."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each stage."),
) -> None:
    """Animate IMAGE live from speech as it arrives: frames out as soon as each can be made."""
    from tritalk.cli.main import _setup_logging

    _setup_logging(verbose)
    if (output is None) == (not y4m):
        raise ConfigError("give exactly one output: -o FILE.mp4 or --y4m (frames on stdout)")
    if not 0.0 <= intensity <= 1.0:
        raise ConfigError(f"intensity {intensity} is out of range; use a value in [0, 1]")
    if rate <= 0:
        raise ConfigError(f"--rate {rate} is invalid; give the PCM's sample rate in Hz (e.g. 16000)")
    if size % 2 or not 128 <= size <= 2048:
        raise ConfigError(f"size {size} is invalid; use an even number of pixels in 128..2048")
    from tritalk.cli.quiet import quiet_native_stderr
    from tritalk.config import TritalkConfig
    from tritalk.io.audio import load_audio
    from tritalk.io.video import VideoWriter, check_output_path, read_video_frames
    from tritalk.motion.emotion_timeline import parse_emotion
    from tritalk.pipeline import TalkingHead
    from tritalk.types import AudioClip, Camera

    if output is not None:
        check_output_path(output, overwrite)
    spec = parse_emotion(emotion, intensity)
    camera = Camera(yaw=yaw, pitch=pitch, zoom=zoom)
    clip = load_audio(audio_in) if audio_in != "-" else None
    import torch

    torch.set_num_threads(1)
    with quiet_native_stderr():
        head = TalkingHead.load(config=TritalkConfig(size=size))
    with head, tempfile.TemporaryDirectory() as tmp:
        session = head.live(image, emotion=spec, camera=camera, size=size, seed=seed)
        if clip is not None:
            chunks, in_rate = _file_chunks(clip, pace=not fast), clip.sample_rate
        else:
            chunks, in_rate = _stdin_chunks(sys.stdin.buffer, rate), rate
        received: list[np.ndarray] = []
        video = output if clip is not None else Path(tmp) / "video.mp4"
        sink = VideoWriter(video, size, size, head.config.fps, clip) if output is not None else None
        out = sys.stdout.buffer
        if y4m:
            out.write(y4m_header(size, head.config.fps))

        def emit(frames) -> None:
            for f in frames:
                if sink is not None:
                    sink.write(f.image)
                else:
                    out.write(y4m_frame(f.image))
                    out.flush()

        try:
            if sink is not None:
                sink.__enter__()
            n = 0
            for chunk in chunks:
                if clip is None and output is not None:
                    received.append(chunk)
                n += chunk.shape[0]
                emit(session.push(chunk, in_rate))
            if n == 0:
                raise AudioError("no audio arrived on stdin; send raw s16le mono PCM at --rate")
            emit(session.finish())
        except BaseException:
            if sink is not None:
                sink.__exit__(*sys.exc_info())
            raise
        if sink is not None:
            sink.__exit__(None, None, None)
        if clip is None and output is not None:  # the soundtrack is known only now: mux it in
            audio = AudioClip(np.concatenate(received).astype(np.float32), in_rate)
            with VideoWriter(output, size, size, head.config.fps, audio) as writer:
                for frame in read_video_frames(video):
                    writer.write(frame)
    if output is not None:
        typer.echo(f"wrote {output} ({session.frames_out} frames, {session.audio_seconds:.2f} s)", err=True)


def register(app: typer.Typer) -> None:
    app.command("live")(live)
