"""Speech in: any audio file, or a video's first audio track -> mono float32 ``AudioClip``.

Contract:
  * ``load_audio(path, sample_rate=16000, max_seconds=None)`` -> ``AudioClip``: mono float32 in
    [-1, 1] at ``sample_rate``, from any file FFmpeg demuxes (audio or video container). With
    ``max_seconds`` only the start is decoded and returned.
  * A file that decodes shorter than its header says (a cut download, a WAV whose data chunk runs
    past the end) raises ``AudioError``: it must not silently become a shorter video. So do files
    with no audio track, no samples, or less than 0.1 s; every message is one line.
  * ``MonoResampler`` turns PyAV frames of any format, layout and rate into mono float32 arrays at
    one rate; the video writer uses it too, so there is one resampling path in io/.

This is tritalk's one audio decoder: the pipeline and training (``training/data.py``) read through it.
"""

from __future__ import annotations

import logging
import math
import os
import struct
from pathlib import Path

import av
import numpy as np

from tritalk.errors import AudioError, ConfigError
from tritalk.io.files import AV_ERRORS, check_input_file
from tritalk.types import AudioClip

logger = logging.getLogger(__name__)

__all__ = ["load_audio", "MonoResampler"]

_MIN_AUDIO_SECONDS = 0.1
_AUDIO_FIX = "use a WAV, MP3, FLAC, OGG or M4A file"


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
    check_input_file(p, AudioError, "audio", _AUDIO_FIX)
    limit = None if max_seconds is None else int(round(max_seconds * sample_rate))

    try:
        container = av.open(str(p), mode="r", metadata_errors="replace")
    except AV_ERRORS as e:
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
        resampler = MonoResampler(sample_rate)
        bad_packets, cut_short, first_error = 0, False, None
        try:
            for packet in container.demux(stream):
                try:
                    frames = stream.decode(packet)  # the last, empty packet flushes the decoder
                except AV_ERRORS as e:  # a damaged packet: skip it, as the ffmpeg CLI does
                    bad_packets += 1
                    first_error = first_error or e
                    continue
                for frame in frames:
                    for x in resampler.push(frame):
                        chunks.append(x)
                        n += x.shape[0]
                if limit is not None and n >= limit:
                    break
        except AV_ERRORS as e:  # the container ends early or is corrupt: keep what decoded
            cut_short, first_error = True, first_error or e
        try:
            chunks += resampler.flush()
        except AV_ERRORS as e:
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


class MonoResampler:
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


def check_span(start: float, end: float | None) -> None:
    """--start / --end [s]: start >= 0, end > start (end None = the end of the audio)."""
    if not (math.isfinite(start) and start >= 0):
        raise ConfigError(f"start {start} is out of range; use a time in seconds >= 0")
    if end is not None and not (math.isfinite(end) and end > start):
        raise ConfigError(f"end {end} is out of range; use a time in seconds after start ({start:g})")


def audio_span(clip: AudioClip, start: float = 0.0, end: float | None = None) -> AudioClip:
    """The part [start, end) s of a clip (end None = to its end); a start at or past its end is an error."""
    if start == 0 and end is None:
        return clip
    check_span(start, end)
    if start >= clip.duration:
        raise ConfigError(f"start {start:g} s is at or past the end of the audio ({clip.duration:.2f} s); "
                          "use an earlier --start")
    a = round(start * clip.sample_rate)
    b = clip.samples.shape[0] if end is None else min(clip.samples.shape[0], round(end * clip.sample_rate))
    return AudioClip(clip.samples[a:b].copy(), clip.sample_rate)
