"""The video out (an atomic H.264 + AAC mp4) and reading such files back.

Contract:
  * ``check_output_path(path, overwrite)`` fails with ``OutputError`` before any work is done if
    ``path`` cannot be written (wrong suffix, a folder, exists, folder missing or refusing files).
  * ``VideoWriter`` writes H.264 (yuv420p, BT.709 limited range) + AAC mono into an mp4. Frame i
    is shown at t = i / fps; audio starts at t = 0 and is always written at 48 kHz, whatever the
    input's rate. It writes as many frames as it is given and all of the audio: with
    ceil(duration * fps) frames (what the pipeline writes) both tracks last the audio's duration
    to within one video frame, also when decoded (AAC pads its last 1024-sample frame: 21 ms).
  * It is atomic: everything goes to a temp file ``.tritalk-*.mp4`` next to the output, renamed
    onto it (``os.replace``) only on a clean exit. On any exception, KeyboardInterrupt included,
    at any point, the temp file is deleted and the output path is left as it was.
  * No process-wide side effects: no signal handlers, nothing global, so it works from any
    thread (a web server's workers). Deferring Ctrl-C, if wanted, is the CLI's business.
  * ``probe_video`` / ``read_video_frames`` read such files back (tests, evaluation); an
    unreadable video raises ``InputError``.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import math
import os
import secrets
import tempfile
import weakref
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np

from tritalk.errors import ConfigError, InputError, OutputError
from tritalk.io.audio import MonoResampler
from tritalk.io.files import AV_ERRORS, check_input_file
from tritalk.types import AudioClip

logger = logging.getLogger(__name__)

__all__ = ["VideoWriter", "check_output_path", "probe_video", "read_video_frames"]

_NTSC = (Fraction(24000, 1001), Fraction(30000, 1001), Fraction(60000, 1001))
_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS, errno.EACCES, errno.EPERM}


# ---------------------------------------------------------------------------------------------
# video out
# ---------------------------------------------------------------------------------------------

def check_output_path(path: str | Path, overwrite: bool = False,
                      suffixes: tuple[str, ...] = (".mp4",), what: str = "output") -> Path:
    """Fail before any work if ``path`` cannot be written: wrong suffix, a folder, exists without
    ``overwrite``, or its folder is missing or refuses a new file (checked by creating one)."""
    p = Path(path)
    if p.is_dir():
        raise OutputError(f"cannot write {what} '{p}': it is a folder; give a file name ending in "
                          f"{' or '.join(suffixes)}")
    if p.suffix.lower() not in suffixes:
        raise OutputError(f"{what} '{p}' must end in {' or '.join(suffixes)}; add the extension")
    if p.exists() and not overwrite:
        raise OutputError(f"'{p}' already exists; pass --overwrite to replace it or choose another "
                          f"name")
    _check_output_folder(p)
    try:  # permissions, read-only mounts, /proc, quotas: only trying tells
        fd, probe = tempfile.mkstemp(prefix=".tritalk-", suffix=".probe", dir=p.parent)
    except OSError as e:
        raise OutputError(f"cannot write '{p}': folder '{p.parent}' refuses new files "
                          f"({e.strerror}); choose another output folder") from e
    os.close(fd)
    os.unlink(probe)
    return p


class VideoWriter:
    """Atomic mp4 writer: H.264 (libx264, yuv420p, crf 20, veryfast) + AAC mono 128 kb/s at 48 kHz.

    ``with VideoWriter(out, W, H, fps, audio) as w: w.write(frames)`` -- frames are
    (B, H, W, 3) or (H, W, 3) uint8 RGB, in display order. On a clean exit the temp file
    ``.tritalk-*.mp4`` next to ``out`` is renamed onto it; on any exception (KeyboardInterrupt
    included) the temp file is deleted and ``out`` is left as it was. Usable from any thread.
    """

    crf = 20
    preset = "veryfast"
    # one encoder thread: it runs beside the renderer's, which keep the other cores busy (two x264 threads
    # cost ~6 % more CPU a frame for the same file: measured 6.4 vs 6.1 ms at 512²)
    threads = 1
    audio_bit_rate = 128_000
    # The track's rate, whatever the input's: what players and platforms expect, and AAC's
    # 1024-sample frames then last 21 ms. At 16 kHz they last 64 ms, and the padded last frame
    # made the decoded audio outlast the video (1.3 s of 8 kHz speech decoded as 1.408 s).
    audio_rate = 48_000

    def __init__(self, path: str | Path, width: int, height: int, fps: float | Fraction,
                 audio: AudioClip | None = None):
        self.path = Path(path)
        for name, v in (("width", width), ("height", height)):
            if int(v) != v or v < 2 or v % 2:
                raise ConfigError(f"video {name} {v} must be an even number of pixels >= 2 "
                                  f"(H.264 yuv420p); crop or pad the frames by one pixel")
        self.width, self.height = int(width), int(height)
        self.fps = _fps_fraction(fps)
        if audio is not None:
            if audio.samples.ndim != 1 or not audio.sample_rate > 0:
                raise ConfigError(f"audio must be mono (N,) samples at a positive rate, got shape "
                                  f"{audio.samples.shape} at {audio.sample_rate} Hz")
        self.audio = audio
        self.n_frames = 0

        _check_output_folder(self.path)

        self._tmp: Path | None = None
        self._finalizer: weakref.finalize | None = None  # deletes _tmp if the writer is dropped
        self._container = None
        self._vstream = None
        self._astream = None
        self._resampler: MonoResampler | None = None
        self._audio_pos = 0  # samples of self.audio sent to the resampler so far
        self._audio_out = 0  # samples at audio_rate sent to the encoder so far

    # -- context manager --------------------------------------------------------------------

    def __enter__(self) -> VideoWriter:
        if self._tmp is not None or self._container is not None:
            raise RuntimeError("VideoWriter is not reentrant")
        try:
            self._create_tmp()
            self.n_frames, self._audio_pos, self._audio_out = 0, 0, 0
            with self._disk_errors():
                self._open()
            return self
        except BaseException:  # __exit__ is not called when __enter__ raises
            self._discard()
            raise

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        try:  # first statement: an interrupt at any line below still reaches the cleanup
            if exc_type is None:
                with self._disk_errors():
                    self._finish()
        finally:
            self._discard()  # a no-op after a clean finish: the temp file is the output now
        return False  # re-raise

    # -- writing ----------------------------------------------------------------------------

    def write(self, frames: np.ndarray) -> None:
        """Append (B, H, W, 3) or (H, W, 3) uint8 RGB frames."""
        if self._container is None:
            raise RuntimeError("VideoWriter.write() called outside its with-block")
        frames = np.asarray(frames)
        if frames.ndim == 3:
            frames = frames[None]
        if frames.ndim != 4 or frames.shape[1:] != (self.height, self.width, 3):
            raise ValueError(f"frames must be (B, {self.height}, {self.width}, 3) or "
                             f"({self.height}, {self.width}, 3), got {frames.shape}")
        if frames.dtype != np.uint8:
            raise ValueError(f"frames must be uint8 RGB, got {frames.dtype}")
        with self._disk_errors():
            for rgb in frames:
                vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
                # convert here (not in the encoder) to pick BT.709 limited range, matching the tags
                vf = vf.reformat(format="yuv420p", dst_colorspace="ITU709", dst_color_range="MPEG")
                vf.pts = self.n_frames
                vf.time_base = self._time_base
                self._container.mux(self._vstream.encode(vf))
                self.n_frames += 1
            if self.audio is not None:  # keep audio level with video so the muxer interleaves both
                self._write_audio_until(math.ceil(self.n_frames / self.fps * self.audio.sample_rate))

    # -- internals --------------------------------------------------------------------------

    @contextlib.contextmanager
    def _disk_errors(self) -> Iterator[None]:
        """A full disk, a quota or a dying drive is the output's problem, not a bug: OutputError."""
        try:
            yield
        except OSError as e:
            if e.errno not in _DISK_ERRNOS:
                raise
            raise OutputError(f"cannot write '{self.path}': {e.strerror or e}; free some disk space or "
                              f"choose another output folder") from e

    @property
    def _time_base(self) -> Fraction:
        return 1 / self.fps

    def _create_tmp(self) -> None:
        """Create an empty ``.tritalk-*.mp4`` next to the output. Its name is recorded before the
        file exists, so an interrupt at any point leaves no file that ``_discard`` does not know."""
        for _ in range(100):
            self._tmp = self.path.parent / f".tritalk-{secrets.token_hex(8)}.mp4"
            # Python checks for Ctrl-C as it enters a function, even __exit__, before any line of
            # it runs: a writer dropped that way deletes its temp file when collected or at exit
            self._finalizer = weakref.finalize(self, _unlink_quietly, self._tmp)
            try:
                os.close(os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                return
            except FileExistsError:
                self._tmp = None  # not ours to delete
                self._finalizer.detach()
            except OSError as e:
                self._tmp = None
                self._finalizer.detach()
                raise OutputError(f"cannot write '{self.path}': {e.strerror}; choose another output "
                                  f"folder") from e
        raise OutputError(f"cannot write '{self.path}': no free temp file name in '{self.path.parent}'; "
                          f"remove the .tritalk-*.mp4 files there")

    def _open(self) -> None:
        # faststart moves the index to the front at close, so browsers can play while loading
        c = av.open(str(self._tmp), mode="w", format="mp4", options={"movflags": "+faststart"})
        self._container = c
        vs = c.add_stream("libx264", rate=self.fps)
        vs.width, vs.height, vs.pix_fmt = self.width, self.height, "yuv420p"
        vs.time_base = self._time_base
        vs.codec_context.time_base = self._time_base
        vs.codec_context.thread_count = self.threads
        vs.options = {"crf": str(self.crf), "preset": self.preset}
        cc = vs.codec_context
        cc.colorspace, cc.color_primaries, cc.color_trc = 1, 1, 1  # AVCOL_*_BT709
        cc.color_range = 1  # AVCOL_RANGE_MPEG (limited, 16..235)
        self._vstream = vs
        if self.audio is not None:
            if self.audio.sample_rate != self.audio_rate:
                logger.debug("resampling the audio track from %d Hz to %d Hz",
                             self.audio.sample_rate, self.audio_rate)
            a = c.add_stream("aac", rate=self.audio_rate)
            a.layout = "mono"
            a.bit_rate = self.audio_bit_rate
            a.time_base = Fraction(1, self.audio_rate)
            self._astream = a
            self._resampler = MonoResampler(self.audio_rate)

    def _write_audio_until(self, end: int) -> None:
        """Send input samples [_audio_pos, end) through the resampler to the encoder."""
        end = min(end, self.audio.samples.shape[0])
        if end <= self._audio_pos:
            return
        x = np.clip(np.nan_to_num(self.audio.samples[self._audio_pos:end]), -1.0, 1.0)
        af = av.AudioFrame.from_ndarray(x.astype(np.float32, copy=False)[None, :], format="flt",
                                        layout="mono")
        af.sample_rate = self.audio.sample_rate
        self._encode_audio(self._resampler.push(af))
        self._audio_pos = end

    def _encode_audio(self, chunks: list[np.ndarray]) -> None:
        """Encode mono float32 chunks at audio_rate, contiguous from t = 0, never past the input's end."""
        total = round(self.audio.samples.shape[0] * self.audio_rate / self.audio.sample_rate)
        for y in chunks:
            y = y[:max(0, total - self._audio_out)]  # a resampler's tail may overshoot by a sample
            if y.size == 0:
                continue
            af = av.AudioFrame.from_ndarray(np.ascontiguousarray(y)[None, :], format="flt", layout="mono")
            af.sample_rate = self.audio_rate
            af.pts = self._audio_out
            af.time_base = Fraction(1, self.audio_rate)
            # the encoder cuts 1024-sample AAC frames itself
            self._container.mux(self._astream.encode(af))
            self._audio_out += y.size

    def _finish(self) -> None:
        if self.n_frames == 0:
            raise ValueError(f"no frames were written to '{self.path}'; call write() at least once")
        self._container.mux(self._vstream.encode(None))
        if self.audio is not None:
            self._write_audio_until(self.audio.samples.shape[0])
            self._encode_audio(self._resampler.flush())
            self._container.mux(self._astream.encode(None))
            gap = abs(self.audio.duration - self.n_frames / float(self.fps))
            if gap > 1 / float(self.fps):
                logger.warning("'%s': audio is %.3f s but video is %.3f s", self.path,
                               self.audio.duration, self.n_frames / float(self.fps))
        self._container.close()
        self._container = None
        existing = self.path.stat().st_mode & 0o7777 if self.path.is_file() else None
        os.chmod(self._tmp, existing if existing is not None else 0o666 & ~_umask())
        try:
            os.replace(self._tmp, self.path)  # atomic: readers see the old file or the new one
        except OSError as e:
            raise OutputError(f"cannot write '{self.path}': {e.strerror}; choose another output "
                              f"path") from e
        self._tmp = None
        self._finalizer.detach()
        logger.info("wrote '%s': %d frames at %s fps", self.path, self.n_frames, self.fps)

    def _discard(self) -> None:
        """Delete the temp file and close whatever is open.

        Raises nothing of its own. A second Ctrl-C (or any BaseException) that arrives meanwhile
        does not cut the cleanup short: the cleanup resumes where it was cut and the interrupt is
        re-raised once nothing is left behind. Only the cleanup's own first lines (and the entry to
        ``__exit__``) are outside this: there the finalizer deletes the file once the writer is
        dropped. No signal handler is involved, so this works in any thread.
        """
        interrupt: BaseException | None = None
        while self._tmp is not None or self._container is not None:
            try:
                self._discard_now()
            except BaseException as e:
                interrupt = interrupt or e
        if interrupt is not None:
            raise interrupt

    def _discard_now(self) -> None:
        if self._tmp is not None:
            # unlink first: the file is gone at once, and closing an unlinked mp4 cannot rewrite
            # it for faststart (which reads the whole file back)
            try:
                self._tmp.unlink(missing_ok=True)
            except Exception as e:
                logger.warning("could not delete temp file '%s': %s", self._tmp, e)
            self._tmp = None  # only now: an unlink cut short is retried
            if self._finalizer is not None:
                self._finalizer.detach()
        container, self._container = self._container, None  # forgotten first: closed at most once
        if container is not None:
            try:
                container.close()
            except Exception as e:  # the trailer cannot be written to a deleted file; no matter
                logger.debug("closing the aborted temp video: %s", e)


def _unlink_quietly(path: Path) -> None:
    """The finalizer's cleanup: runs in whatever thread drops the writer, so it never raises."""
    try:
        path.unlink(missing_ok=True)
    except OSError as e:
        logger.warning("could not delete temp file '%s': %s", path, e)


def _fps_fraction(fps: float | Fraction) -> Fraction:
    """29.97 -> 30000/1001, 25 -> 25, 12.5 -> 25/2: an exact rational for the time base."""
    if isinstance(fps, Fraction):
        f = fps
    else:
        x = float(fps)
        if not math.isfinite(x):
            raise ConfigError(f"fps {fps} is out of range; use a frame rate in (0, 240]")
        f = next((n for n in _NTSC if abs(x - float(n)) < 5e-3), None) or \
            Fraction(x).limit_denominator(1001)
    if not 0 < f <= 240:
        raise ConfigError(f"fps {fps} is out of range; use a frame rate in (0, 240]")
    return f


def _umask() -> int:
    try:  # Linux >= 4.7; reading it this way does not touch the process umask
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def _check_output_folder(path: Path) -> None:
    parent = path.parent
    if not parent.exists():
        raise OutputError(f"cannot write '{path}': folder '{parent}' does not exist; "
                          f"create it or choose another output path")
    if not parent.is_dir():
        raise OutputError(f"cannot write '{path}': '{parent}' is not a folder; "
                          f"choose another output path")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write '{path}': folder '{parent}' is not writable; "
                          f"choose another output folder")
    if path.is_dir():
        raise OutputError(f"cannot write '{path}': it is a folder; give a file name "
                          f"ending in .mp4")


# ---------------------------------------------------------------------------------------------
# video in
# ---------------------------------------------------------------------------------------------

def _open_video(path: str | Path):
    p = Path(path)
    check_input_file(p, InputError, "video", "use an mp4 file")
    try:
        return av.open(str(p), mode="r", metadata_errors="replace")
    except AV_ERRORS as e:
        raise InputError(f"cannot read video '{p}': not a video file FFmpeg can decode; "
                         f"use an mp4 file") from e


def probe_video(path: str | Path) -> dict:
    """Decode a video fully and report what is really in it.

    Returns ``width, height, fps`` (float), ``n_frames`` (decoded), ``duration`` (video track [s]),
    ``has_audio``, ``audio_rate`` (Hz; 0 without audio), ``audio_duration`` (decoded samples /
    rate, capped at the track's duration, which excludes AAC's end padding [s]; 0.0 without audio).
    """
    with _open_video(path) as c:
        if not c.streams.video:
            raise InputError(f"'{path}' has no video track; use an mp4 file")
        vs = c.streams.video[0]
        rate = vs.average_rate or vs.guessed_rate or vs.base_rate
        info = {"width": vs.codec_context.width, "height": vs.codec_context.height,
                "fps": float(rate) if rate else 0.0}
        if vs.duration is not None and vs.time_base is not None:
            duration = float(vs.duration * vs.time_base)
        else:
            duration = (c.duration or 0) / av.time_base
        n_frames = sum(1 for _ in c.decode(vs))
    audio_duration, audio_rate = 0.0, 0
    with _open_video(path) as c:
        has_audio = bool(c.streams.audio)
        if has_audio:
            a = c.streams.audio[0]
            n = 0
            for f in c.decode(a):
                n += f.samples
                audio_rate = f.sample_rate
            audio_duration = n / audio_rate if audio_rate else 0.0
            if a.duration is not None and a.time_base is not None:
                # the track (edit-list) duration: AAC decodes whole frames past the real end
                audio_duration = min(audio_duration, float(a.duration * a.time_base))
    return {**info, "n_frames": n_frames, "duration": duration, "has_audio": has_audio,
            "audio_rate": audio_rate, "audio_duration": audio_duration}


def read_video_frames(path: str | Path, every: int = 1) -> Iterator[np.ndarray]:
    """Yield every ``every``-th frame (0, every, 2*every, ...) as (H, W, 3) uint8 RGB."""
    if int(every) != every or every < 1:
        raise ConfigError(f"every {every} is out of range; use a positive integer")
    c = _open_video(path)  # errors surface here, not at the first next()
    if not c.streams.video:
        c.close()
        raise InputError(f"'{path}' has no video track; use an mp4 file")
    return _iter_frames(c, every)


def _iter_frames(c, every: int) -> Iterator[np.ndarray]:
    with c:
        vs = c.streams.video[0]
        vs.thread_type = "AUTO"
        for i, frame in enumerate(c.decode(vs)):
            if i % every == 0:
                # to_ndarray converts with the colour matrix the stream is tagged with
                yield frame.to_ndarray(format="rgb24")
