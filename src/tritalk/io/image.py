"""The portrait in: any photo file -> (H, W, 3) uint8 RGB, upright.

Contract:
  * ``load_image(path, max_side=4096)`` -> (H, W, 3) uint8 RGB. EXIF orientation applied, alpha
    composited on white, grayscale / 16-bit / palette / CMYK converted, longer side <= ``max_side``
    (large JPEGs are decoded at reduced scale, so memory stays bounded).
  * Every unreadable input raises ``ImageError`` with one line: file, problem, fix. A video or an
    audio file given as the photo is named as such.
  * ``focal_35mm(path or bytes)`` -> the lens's 35 mm-equivalent focal length [mm] where the photo's EXIF records
    it and the file looks like the camera's whole frame (its recorded pixel size, a sensor's shape), else None (face/subject.py turns it
    into the camera's distance: the perspective of a turned view).
"""

from __future__ import annotations

import io
import logging
import math
import struct
import threading
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps

from tritalk.errors import ConfigError, ImageError
from tritalk.io.files import check_input_file

logger = logging.getLogger(__name__)

__all__ = ["focal_35mm", "load_image"]

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
    check_input_file(p, ImageError, "image", _IMAGE_FIX)
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


_WARNINGS_LOCK = threading.Lock()  # warnings filters are process-wide: one thread at a time changes them


_EXIF_IFD, _FOCAL_35MM, _PIXEL_X, _PIXEL_Y = 0x8769, 0xA405, 0xA002, 0xA003
SENSOR_SHAPES = (1.5, 4.0 / 3.0)  # long / short side of a camera's whole frame: 3:2 (most cameras), 4:3 (phones)


def focal_35mm(source: str | Path | bytes) -> float | None:
    """The 35 mm-equivalent focal length [mm] the photo's EXIF records (FocalLengthIn35mmFilm), when the file
    still looks like the camera's whole frame: the pixel size the camera recorded (PixelXDimension / YDimension)
    is the file's, and its shape a sensor's (3:2 or 4:3). A crop keeps the EXIF but not the frame the focal length
    describes (an editor that also rewrites the recorded size to a 3:2 or 4:3 crop is not caught); then, and where
    nothing is recorded or it cannot be read, None. ``source``: a file, or its bytes."""
    try:
        with (Image.open(io.BytesIO(source)) if isinstance(source, bytes) else _open_image(Path(source))) as im:
            exif = im.getexif().get_ifd(_EXIF_IFD)
            f35, w, h = exif.get(_FOCAL_35MM), exif.get(_PIXEL_X), exif.get(_PIXEL_Y)
            if not f35 or not w or not h or sorted(im.size) != sorted((int(w), int(h))):
                return None
            shape = max(im.size) / min(im.size)
            if not any(abs(shape / s - 1.0) < 0.02 for s in SENSOR_SHAPES):
                return None
            f35 = float(f35)
    except (ImageError, Image.DecompressionBombError, *_PIL_DECODE_ERRORS):  # (bytes skip _open_image's checks)
        return None
    return f35 if 8.0 <= f35 <= 1200.0 else None


def _open_image(p: Path) -> Image.Image:
    """Image.open with the decompression-bomb warning turned into ImageError (JPEG excepted)."""
    with _WARNINGS_LOCK:
        return _open_image_locked(p)


def _open_image_locked(p: Path) -> Image.Image:
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
