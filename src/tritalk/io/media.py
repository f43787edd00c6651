"""Media I/O at the edges of the pipeline: portrait in, speech in, mp4 out.

Contract:
  * ``load_image(path)`` -> (H, W, 3) uint8 RGB. EXIF orientation applied, alpha composited on
    white, grayscale / 16-bit / palette / CMYK converted, longer side <= ``max_side``.
  * ``load_audio(path)`` -> ``AudioClip``: mono float32 in [-1, 1] at ``sample_rate``, from any
    audio file FFmpeg decodes or from the first audio track of a video file.
  * ``VideoWriter`` writes H.264 (yuv420p, BT.709 limited range) + AAC mono into an mp4,
    atomically: a temp file next to the output is renamed onto it only on a clean exit.
    Frame i is shown at t = i / fps; audio starts at t = 0.
  * ``probe_video`` / ``read_video_frames`` read such files back (tests, evaluation).

Every unreadable input raises ``ImageError`` / ``AudioError`` (one line: file, problem, fix);
an unwritable output raises ``OutputError`` before any work is done.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import math
import os
import signal
import struct
import tempfile
import threading
import warnings
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np
from PIL import Image, ImageFile, ImageOps

from tritalk.errors import AudioError, ConfigError, ImageError, InputError, OutputError
from tritalk.types import AudioClip

logger = logging.getLogger(__name__)

__all__ = ["load_image", "load_audio", "VideoWriter", "check_output_path", "probe_video",
           "read_video_frames"]

# ---------------------------------------------------------------------------------------------
# images
# ---------------------------------------------------------------------------------------------

# Formats we let Pillow try. Magic-less formats (TGA, ...) are left out so that random bytes
# are not "decoded" into an image.
_IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "AVIF", "BMP", "TIFF", "GIF", "PPM")
_IMAGE_FIX = "use a JPEG or PNG photo"
# What Pillow raises on malformed files (besides OSError): its own plugin probing catches the
# same set (SyntaxError, IndexError, TypeError, struct.error).
_PIL_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError,
                      struct.error, ZeroDivisionError)
_HIGH_DEPTH_GRAY = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")
_ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")


def load_image(path: str | Path, max_side: int = 4096) -> np.ndarray:
    """Read a photo as (H, W, 3) uint8 RGB, upright, with its longer side <= ``max_side``."""
    if int(max_side) != max_side or max_side < 1:
        raise ConfigError(f"max_side {max_side} is out of range; use a positive number of pixels")
    p = Path(path)
    _check_input_file(p, ImageError, "image", _IMAGE_FIX)
    if ImageFile.LOAD_TRUNCATED_IMAGES:  # set globally by someone else; truncated files pass
        logger.warning("PIL.ImageFile.LOAD_TRUNCATED_IMAGES is True; truncated images pass")

    im = _open_image(p)
    try:
        with im:
            if im.format in ("JPEG", "MPO") and max(im.size) > max_side:
                # decode at 1/2, 1/4 or 1/8 scale straight from the DCT: bounds memory
                s = max_side / max(im.size)
                im.draft(None, (math.ceil(im.size[0] * s), math.ceil(im.size[1] * s)))
            im.load()  # Pillow decodes lazily; a truncated file only fails here
            try:
                upright = ImageOps.exif_transpose(im)
            except _PIL_DECODE_ERRORS as e:  # a broken EXIF block should not cost the photo
                logger.warning("ignoring unreadable EXIF orientation in '%s': %s", p, e)
                upright = im.copy()
            rgb = _to_rgb(upright, p)
    except Image.DecompressionBombError as e:
        raise ImageError(f"cannot read image '{p}': {_too_big()}; downscale it") from e
    except MemoryError as e:
        raise ImageError(f"cannot read image '{p}': not enough memory to decode it; "
                         f"downscale it") from e
    except _PIL_DECODE_ERRORS as e:
        logger.debug("decoding '%s' failed: %r", p, e)
        raise ImageError(f"cannot read image '{p}': file is truncated or not an image; "
                         f"{_IMAGE_FIX}") from e

    if max(rgb.size) > max_side:
        s = max_side / max(rgb.size)
        size = (max(1, round(rgb.size[0] * s)), max(1, round(rgb.size[1] * s)))
        logger.info("downscaling '%s' from %dx%d to %dx%d", p, *rgb.size, *size)
        rgb = rgb.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))


def _open_image(p: Path) -> Image.Image:
    """Image.open with the decompression-bomb warning turned into ImageError (JPEG excepted)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(p, formats=_IMAGE_FORMATS)
    except Image.DecompressionBombWarning as e:
        # Between Pillow's warning and error limits (~89 to ~179 megapixels). A JPEG is still
        # fine: draft() decodes it at 1/2..1/8 scale. Anything else would be decoded in full.
        if _sniff_jpeg(p):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                return _open_image_plain(p)
        raise ImageError(f"cannot read image '{p}': {_too_big(1)}; downscale it or save it as "
                         f"JPEG") from e
    except Image.DecompressionBombError as e:
        raise ImageError(f"cannot read image '{p}': {_too_big()}; downscale it") from e
    except Image.UnidentifiedImageError as e:
        kind = _sniff_av(p)
        if kind is not None:
            hint = " (one frame of the video, saved as JPEG or PNG, works)" if kind == "a video" else ""
            raise ImageError(f"cannot read image '{p}': it is {kind} file, not a photo; "
                             f"{_IMAGE_FIX}{hint}") from e
        raise ImageError(f"cannot read image '{p}': not an image file "
                         f"({', '.join(_IMAGE_FORMATS)}); {_IMAGE_FIX}") from e
    except _PIL_DECODE_ERRORS as e:
        logger.debug("opening '%s' failed: %r", p, e)
        raise ImageError(f"cannot read image '{p}': file is truncated or not an image; "
                         f"{_IMAGE_FIX}") from e


def _open_image_plain(p: Path) -> Image.Image:
    try:
        return Image.open(p, formats=_IMAGE_FORMATS)
    except Image.DecompressionBombError as e:
        raise ImageError(f"cannot read image '{p}': {_too_big()}; downscale it") from e
    except _PIL_DECODE_ERRORS as e:
        raise ImageError(f"cannot read image '{p}': file is truncated or not an image; "
                         f"{_IMAGE_FIX}") from e


def _too_big(factor: int = 2) -> str:
    """Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that."""
    limit = Image.MAX_IMAGE_PIXELS
    if not limit:
        return "the image is too large to decode safely"
    return f"the image has more than {factor * limit / 1e6:.0f} megapixels"


def _sniff_av(p: Path) -> str | None:
    """'a video' / 'an audio' when the file starts like a common media container, else None."""
    with open(p, "rb") as f:
        head = f.read(16)
    if head[4:8] == b"ftyp" or head[:4] in (b"\x1aE\xdf\xa3", b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3") \
            or (head[:4] == b"RIFF" and head[8:12] == b"AVI "):
        return "a video"
    if head[:4] in (b"fLaC", b"OggS") or head[:3] == b"ID3" or (head[:4] == b"RIFF" and head[8:12] == b"WAVE") \
            or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "an audio"
    return None


def _sniff_jpeg(p: Path) -> bool:
    with open(p, "rb") as f:
        return f.read(3) == b"\xff\xd8\xff"


def _to_rgb(im: Image.Image, p: Path) -> Image.Image:
    """Any Pillow mode -> 8-bit RGB; transparency is composited onto white."""
    mode = im.mode
    if mode in _HIGH_DEPTH_GRAY:
        return Image.fromarray(_gray_to_u8(np.asarray(im)), "L").convert("RGB")
    if mode in _ALPHA_MODES or "transparency" in im.info:
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if mode == "RGB":
        return im
    try:
        return im.convert("RGB")  # L, 1, P, CMYK (Adobe-inverted handled by Pillow), YCbCr, ...
    except ValueError as e:
        raise ImageError(f"cannot read image '{p}': colour mode {mode} is not supported; "
                         f"save it as an 8-bit sRGB JPEG or PNG") from e


def _gray_to_u8(a: np.ndarray) -> np.ndarray:
    """16-bit / 32-bit int / float grayscale -> uint8, keeping the contrast (no min-max stretch).

    I;16* are 0..65535. Mode I is usually a widened 16-bit image, but can hold 8-bit values:
    treat it as 16-bit only if a value exceeds 255. Mode F in [0, 1] is scaled by 255.
    """
    out = np.empty(a.shape, np.uint8)
    rows = max(1, (1 << 22) // max(1, a.shape[1] if a.ndim > 1 else 1))  # ~4 M pixels a block: memory
    if a.dtype.kind == "u" and a.dtype.itemsize == 2:  # stays flat for an 80-megapixel 16-bit scan
        for i in range(0, a.shape[0], rows):
            out[i:i + rows] = (a[i:i + rows].astype(np.uint32) * 255 + 32767) // 65535
        return out
    hi = 0.0
    for i in range(0, a.shape[0], rows):
        blk = np.nan_to_num(a[i:i + rows].astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        hi = max(hi, float(blk.max()) if blk.size else 0.0)
    scale = 255.0 if a.dtype.kind == "f" and hi <= 1.0 else (255.0 / 65535.0 if hi > 255.0 else 1.0)
    for i in range(0, a.shape[0], rows):
        x = np.nan_to_num(a[i:i + rows].astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        out[i:i + rows] = np.clip(np.rint(x * scale), 0, 255)
    return out


# ---------------------------------------------------------------------------------------------
# audio
# ---------------------------------------------------------------------------------------------

_MIN_AUDIO_SECONDS = 0.1
_AUDIO_FIX = "use a WAV, MP3, FLAC, OGG or M4A file"
# PyAV maps FFmpeg errors to FFmpegError subclasses; malformed headers / metadata also surface
# as ValueError (UnicodeDecodeError included) or OSError.
_AV_ERRORS = (av.FFmpegError, ValueError, OSError, EOFError, IndexError)


def load_audio(path: str | Path, sample_rate: int = 16000,
               max_seconds: float | None = None) -> AudioClip:
    """Decode speech as a mono float32 AudioClip at ``sample_rate``.

    Reads the first audio stream of any file FFmpeg can demux (audio or video container).
    With ``max_seconds``, only the first ``max_seconds`` are returned (like librosa's ``duration``).
    """
    if int(sample_rate) != sample_rate or not 1000 <= sample_rate <= 384000:
        raise ConfigError(f"sample_rate {sample_rate} is out of range; use a rate in Hz such as "
                          f"16000")
    if max_seconds is not None and not max_seconds > 0:
        raise ConfigError(f"max_seconds {max_seconds} is out of range; use a positive duration "
                          f"or None")
    sample_rate = int(sample_rate)
    p = Path(path)
    _check_input_file(p, AudioError, "audio", _AUDIO_FIX)
    limit = None if max_seconds is None else int(round(max_seconds * sample_rate))

    try:
        container = av.open(str(p), mode="r", metadata_errors="replace")
    except _AV_ERRORS as e:
        raise AudioError(f"cannot read audio '{p}': not an audio or video file FFmpeg can "
                         f"decode; {_AUDIO_FIX}") from e

    chunks: list[np.ndarray] = []
    n = 0
    with container:
        stream = next((s for s in container.streams if s.type == "audio"), None)
        if stream is None:
            fmt = container.format.name
            if fmt.endswith("_pipe") or fmt in ("image2", "gif", "apng"):  # FFmpeg's image demuxers
                raise AudioError(f"cannot read audio '{p}': it is an image, not a recording; "
                                 f"{_AUDIO_FIX}")
            if any(s.type == "video" for s in container.streams):
                raise AudioError(f"'{p}' has no audio track (or is cut off before it); use a video "
                                 f"with sound or a separate audio file")
            raise AudioError(f"cannot read audio '{p}': not an audio or video file FFmpeg can "
                             f"decode; {_AUDIO_FIX}")
        if "mp4" in container.format.name and stream.duration and stream.time_base:
            # AAC decodes whole 1024-sample frames; the track duration (edit list) says where the
            # real audio ends. Only trusted for MP4/MOV, where it is exact, not estimated.
            track_end = math.ceil(stream.duration * stream.time_base * sample_rate)
            limit = track_end if limit is None else min(limit, track_end)
        # what the header promises (FLAC STREAMINFO, MP3 Xing, MP4 track, ...): a cut file
        # decodes less. FFmpeg estimates it from the size where no header says (then a cut file
        # "declares" its cut length, and passes), and clamps a WAV's to the file size.
        declared = (float(stream.duration * stream.time_base) if stream.duration and stream.time_base
                    else (container.duration / av.time_base if container.duration else None))
        resampler = _MonoResampler(sample_rate)
        bad_packets, cut_short, first_error = 0, False, None
        try:
            for packet in container.demux(stream):
                try:
                    frames = stream.decode(packet)  # the last, empty packet flushes the decoder
                except _AV_ERRORS as e:  # a damaged packet: skip it, as the ffmpeg CLI does
                    bad_packets += 1
                    first_error = first_error or e
                    continue
                for frame in frames:
                    for x in resampler.push(frame):
                        chunks.append(x)
                        n += x.shape[0]
                if limit is not None and n >= limit:
                    break
        except _AV_ERRORS as e:  # the container ends early or is corrupt: keep what decoded
            cut_short, first_error = True, first_error or e
        try:
            chunks += resampler.flush()
        except _AV_ERRORS as e:
            first_error = first_error or e

    samples = np.concatenate(chunks).astype(np.float32, copy=False) if chunks else np.zeros(0, np.float32)
    del chunks  # long recordings: keep one copy of the samples, not two
    if limit is not None and samples.shape[0] > limit:
        logger.debug("'%s': keeping %d of %d decoded samples", p, limit, samples.shape[0])
        samples = samples[:limit]
    seconds = samples.shape[0] / sample_rate
    wanted = declared if max_seconds is None else min(declared or math.inf, max_seconds)
    if wanted is not None and math.isfinite(wanted) and seconds < wanted - max(0.2, 0.05 * wanted):
        _raise_truncated(p, wanted, seconds, first_error)
    wav = _wav_truncation(p)
    if wav is not None and (max_seconds is None or wav[1] < max_seconds):
        _raise_truncated(p, *wav, None)
    if first_error is not None:
        logger.debug("decoding '%s' failed: %s", p, first_error)
        if seconds <= _MIN_AUDIO_SECONDS:
            raise AudioError(f"cannot read audio '{p}': not an audio or video file FFmpeg can "
                             f"decode; {_AUDIO_FIX}") from first_error
        logger.warning("'%s' is damaged (%s); using the %.2f s that decoded", p,
                       "ends early" if cut_short else f"{bad_packets} bad packets skipped", seconds)
    if samples.shape[0] == 0:
        raise AudioError(f"'{p}' holds no audio samples; use a recording that is at least "
                         f"{_MIN_AUDIO_SECONDS} s long")
    if seconds < _MIN_AUDIO_SECONDS:
        raise AudioError(f"'{p}' is only {seconds * 1000:.0f} ms long; use a recording that is at "
                         f"least {_MIN_AUDIO_SECONDS} s long")
    # decoders of lossy codecs overshoot full scale a little
    samples = np.nan_to_num(samples, copy=False, nan=0.0)  # in place: 10 minutes are 38 MB a copy
    np.clip(samples, -1.0, 1.0, out=samples)
    return AudioClip(samples=samples, sample_rate=sample_rate)


def _raise_truncated(p: Path, declared: float, decoded: float, cause: Exception | None) -> None:
    raise AudioError(f"audio '{p}' is truncated or damaged: its header says {declared:.2f} s but only "
                     f"{decoded:.2f} s decode; use a complete copy of the recording") from cause


def _wav_truncation(p: Path) -> tuple[float, float] | None:
    """(declared s, present s) of a RIFF/WAVE file whose data chunk runs past the end of the file.

    FFmpeg quietly clamps a WAV's length to the file, so a cut WAV would pass as a shorter one.
    Streamed WAVs (data size 0 or 0xFFFFFFFF) and other formats give None.
    """
    try:
        with open(p, "rb") as f:
            head = f.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            size = p.stat().st_size
            byte_rate = 0
            for _ in range(64):  # a handful of chunks precede 'data'
                hdr = f.read(8)
                if len(hdr) < 8:
                    return None
                kind, n = hdr[:4], struct.unpack("<I", hdr[4:])[0]
                if kind == b"fmt " and n >= 16:
                    fmt = f.read(n + (n & 1))
                    byte_rate = struct.unpack("<I", fmt[8:12])[0]
                    continue
                if kind == b"data":
                    present = size - f.tell()
                    if n in (0, 0xFFFFFFFF) or byte_rate <= 0 or present >= n - 16:
                        return None
                    return n / byte_rate, max(present, 0) / byte_rate
                f.seek(n + (n & 1), os.SEEK_CUR)
    except (OSError, struct.error):
        return None
    return None


class _MonoResampler:
    """av.AudioResampler to flt/mono/rate that survives a mid-stream change of input format.

    PyAV's resampler raises on a frame whose format, layout or rate differs from the first one
    (mp3 / AAC streams may switch); we flush and start a new one. It also returns ``[None]``
    when flushing in passthrough mode (input already flt/mono/rate); those are dropped.
    """

    def __init__(self, rate: int):
        self.rate = rate
        self._resampler: av.AudioResampler | None = None
        self._key: tuple | None = None

    def push(self, frame: av.AudioFrame) -> list[np.ndarray]:
        key = (frame.format.name, frame.layout.name, frame.layout.nb_channels, frame.sample_rate)
        out: list[np.ndarray] = []
        if key != self._key:
            out += self.flush()
            self._resampler = av.AudioResampler(format="flt", layout="mono", rate=self.rate)
            self._key = key
        frame.pts = None  # we concatenate samples; gaps / jumps in timestamps are ignored
        return out + self._arrays(self._resampler.resample(frame))

    def flush(self) -> list[np.ndarray]:
        if self._resampler is None:
            return []
        out = self._arrays(self._resampler.resample(None))
        self._resampler, self._key = None, None
        return out

    @staticmethod
    def _arrays(frames: list) -> list[np.ndarray]:
        return [f.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                for f in frames if f is not None and f.samples > 0]


def _check_input_file(p: Path, error: type[InputError], what: str, fix: str) -> None:
    if not p.exists():
        raise error(f"cannot read {what} '{p}': no such file; check the path")
    if p.is_dir():
        raise error(f"cannot read {what} '{p}': it is a folder; give the path of a file")
    if not p.is_file():  # a pipe would block forever, a device never end
        raise error(f"cannot read {what} '{p}': not a regular file (a pipe or a device); save it to a "
                    f"file first")
    try:
        size = p.stat().st_size
        with open(p, "rb"):
            pass
    except OSError as e:
        raise error(f"cannot read {what} '{p}': {e.strerror}; check the file's permissions") from e
    if size == 0:
        raise error(f"cannot read {what} '{p}': the file is empty (0 bytes); {fix}")


# ---------------------------------------------------------------------------------------------
# video out
# ---------------------------------------------------------------------------------------------

_NTSC = (Fraction(24000, 1001), Fraction(30000, 1001), Fraction(60000, 1001))
_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS, errno.EACCES, errno.EPERM}


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


def _aac_rate(rate: int) -> int:
    """The clip's rate if the AAC encoder takes it, else the next higher rate it takes."""
    rates = sorted(av.codec.Codec("aac", "w").audio_rates or (48000, 44100, 16000))
    if rate in rates:
        return rate
    return next((r for r in rates if r >= rate), rates[-1])


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) until the block is done; re-deliver it after. Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[tuple] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda *a: caught.append(a))
    except (ValueError, OSError):  # no signal support here (embedded interpreters)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught and callable(previous):
            previous(*caught[0])


def _umask() -> int:
    try:  # Linux >= 4.7; reading it this way does not touch the process umask
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


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


class VideoWriter:
    """Atomic mp4 writer: H.264 (libx264, yuv420p, crf 20, veryfast) + AAC mono 128 kb/s.

    ``with VideoWriter(out, W, H, fps, audio) as w: w.write(frames)`` -- frames are
    (B, H, W, 3) or (H, W, 3) uint8 RGB, in display order. On a clean exit the temp file
    ``.tritalk-*.mp4`` next to ``out`` is renamed onto it; on any exception (KeyboardInterrupt
    included) the temp file is deleted and ``out`` is left as it was.
    """

    crf = 20
    preset = "veryfast"
    threads = 2
    audio_bit_rate = 128_000

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
        self._container = None
        self._vstream = None
        self._astream = None
        self._audio_pos = 0  # samples of self.audio sent to the encoder so far

    # -- context manager --------------------------------------------------------------------

    def __enter__(self) -> VideoWriter:
        if self._tmp is not None:
            raise RuntimeError("VideoWriter is not reentrant")
        try:
            fd, tmp = tempfile.mkstemp(prefix=".tritalk-", suffix=".mp4", dir=self.path.parent)
        except OSError as e:
            raise OutputError(f"cannot write '{self.path}': {e.strerror}; choose another output "
                              f"folder") from e
        os.close(fd)
        self._tmp = Path(tmp)
        self.n_frames, self._audio_pos = 0, 0
        try:
            with self._disk_errors():
                self._open()
        except BaseException:
            self._discard()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if exc_type is not None:
            self._discard()
            return False  # re-raise
        try:
            with self._disk_errors():
                self._finish()
        except BaseException:
            self._discard()
            raise
        return False

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
            # keep audio level with video so the muxer interleaves both tracks
            self._write_audio_until(math.ceil(self.n_frames / self.fps * self._audio_rate()))

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

    def _audio_rate(self) -> int:
        return self.audio.sample_rate if self.audio is not None else 0

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
            rate = _aac_rate(self.audio.sample_rate)
            if rate != self.audio.sample_rate:
                logger.info("AAC has no %d Hz mode; the audio track is resampled to %d Hz",
                            self.audio.sample_rate, rate)
            a = c.add_stream("aac", rate=rate)
            a.layout = "mono"
            a.bit_rate = self.audio_bit_rate
            a.time_base = Fraction(1, rate)
            self._astream = a

    def _write_audio_until(self, end: int) -> None:
        if self.audio is None:
            return
        end = min(end, self.audio.samples.shape[0])
        if end <= self._audio_pos:
            return
        x = np.clip(np.nan_to_num(self.audio.samples[self._audio_pos:end]), -1.0, 1.0)
        x = x.astype(np.float32, copy=False)
        af = av.AudioFrame.from_ndarray(x[None, :], format="flt", layout="mono")
        af.sample_rate = self.audio.sample_rate
        af.pts = self._audio_pos  # audio starts at t = 0, contiguous
        af.time_base = Fraction(1, self.audio.sample_rate)
        # the encoder resamples to its rate and cuts 1024-sample AAC frames itself
        self._container.mux(self._astream.encode(af))
        self._audio_pos = end

    def _finish(self) -> None:
        if self.n_frames == 0:
            raise ValueError(f"no frames were written to '{self.path}'; call write() at least once")
        self._container.mux(self._vstream.encode(None))
        if self.audio is not None:
            self._write_audio_until(self.audio.samples.shape[0])
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
            os.replace(self._tmp, self.path)
        except OSError as e:
            raise OutputError(f"cannot write '{self.path}': {e.strerror}; choose another output "
                              f"path") from e
        self._tmp = None
        logger.info("wrote '%s': %d frames at %s fps", self.path, self.n_frames, self.fps)

    def _discard(self) -> None:
        """Close whatever is open and delete the temp file; never raises."""
        with _sigint_deferred():  # a second Ctrl-C must not leave the temp file behind
            self._discard_now()

    def _discard_now(self) -> None:
        if self._container is not None:
            try:
                self._container.close()
            except Exception as e:  # the file is deleted below; a failing trailer does not matter
                logger.debug("closing the aborted temp video failed: %s", e)
            self._container = None
        if self._tmp is not None:
            try:
                self._tmp.unlink(missing_ok=True)
            except OSError as e:
                logger.warning("could not delete temp file '%s': %s", self._tmp, e)
            self._tmp = None


# ---------------------------------------------------------------------------------------------
# video in
# ---------------------------------------------------------------------------------------------


def _open_video(path: str | Path):
    p = Path(path)
    _check_input_file(p, InputError, "video", "use an mp4 file")
    try:
        return av.open(str(p), mode="r", metadata_errors="replace")
    except _AV_ERRORS as e:
        raise InputError(f"cannot read video '{p}': not a video file FFmpeg can decode; "
                         f"use an mp4 file") from e


def probe_video(path: str | Path) -> dict:
    """Decode a video fully and report what is really in it.

    Returns ``width, height, fps`` (float), ``n_frames`` (decoded), ``duration`` (video track [s]),
    ``has_audio``, ``audio_duration`` (decoded samples / rate, capped at the track's duration,
    which excludes AAC's end padding [s]; 0.0 without audio).
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
    audio_duration = 0.0
    with _open_video(path) as c:
        has_audio = bool(c.streams.audio)
        if has_audio:
            a = c.streams.audio[0]
            n = 0
            rate = 0
            for f in c.decode(a):
                n += f.samples
                rate = f.sample_rate
            audio_duration = n / rate if rate else 0.0
            if a.duration is not None and a.time_base is not None:
                # the track (edit-list) duration: AAC decodes whole frames past the real end
                audio_duration = min(audio_duration, float(a.duration * a.time_base))
    return {**info, "n_frames": n_frames, "duration": duration, "has_audio": has_audio,
            "audio_duration": audio_duration}


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
