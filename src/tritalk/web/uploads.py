"""Uploads from the page: limits with clear messages, saved under a job's folder, read with the CLI's loaders.

Bad files give the same one-line explanations as ``tritalk generate`` (the TritalkError messages of
io/image.py and io/audio.py), with the server's folder taken out so the user sees their own file name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tritalk.errors import AudioError, ConfigError, ImageError, InputError, TritalkError
from tritalk.io.audio import load_audio
from tritalk.io.image import load_image
from tritalk.types import AudioClip

MB = 1024 * 1024


@dataclass(frozen=True)
class UploadLimits:
    photo_mb: float = 20.0
    """A 24-megapixel JPEG is ~10 MB; anything larger is downscaled to 4096 px by io/image anyway."""
    audio_mb: float = 50.0
    """Two minutes of 16-bit 48 kHz stereo WAV is 23 MB; compressed formats are far smaller."""
    audio_seconds: float = 120.0
    """The page waits for its video: 2 minutes render in about a minute at 512² on two cores. Longer
    recordings belong to `tritalk generate` or `tritalk batch` (bounded memory for hours)."""

    @property
    def request_bytes(self) -> int:
        """The most a whole generate request may carry (both files and the form fields)."""
        return int((self.photo_mb + self.audio_mb) * MB) + 64 * 1024


def safe_name(filename: str | None, default: str) -> str:
    """The uploaded file's own name, reduced to safe characters (its suffix tells FFmpeg / PIL the format)."""
    name = Path(filename or "").name
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip(".")[:100]
    return name or default


def check_size(what: str, n_bytes: int, limit_mb: float) -> None:
    if n_bytes == 0:
        raise (ImageError if what == "photo" else AudioError)(f"the {what} file is empty; choose another file")
    if n_bytes > limit_mb * MB:
        raise InputError(f"the {what} is {n_bytes / MB:.1f} MB, over the web app's {limit_mb:g} MB limit; "
                         f"use a smaller file (or `tritalk generate` for big ones)")


def read_photo(path: Path):
    """RGB uint8 (H, W, 3), or the CLI's ImageError (unreadable, not an image, ...)."""
    return load_image(path)


def read_audio(path: Path, limits: UploadLimits) -> AudioClip:
    """The speech, at most ``limits.audio_seconds`` long (longer: a one-line error saying where to go)."""
    clip = load_audio(path, max_seconds=limits.audio_seconds + 0.5)
    if clip.duration > limits.audio_seconds:
        raise AudioError(f"the audio lasts more than {limits.audio_seconds:g} s, the web app's limit; cut it "
                         f"shorter, or render it with `tritalk generate` (any length)")
    return clip


def user_message(error: TritalkError, folder: Path) -> str:
    """``error: <what>; <fix>`` as the CLI prints it, naming the user's file instead of the server's copy."""
    text = " ".join(str(error).split())
    text = text.replace(str(folder) + "/", "")
    return f"error: {text}"


def check_choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ConfigError(f"{name} '{value}' is not one of {', '.join(choices)}; pick one of those")
    return value
