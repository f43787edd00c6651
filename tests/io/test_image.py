"""Behavioural tests for tritalk.io.image: any photo file in, upright (H, W, 3) uint8 RGB out."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tritalk.errors import ImageError
from tritalk.io.image import load_image

FAST = settings(max_examples=20, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG whose IHDR claims width x height; Pillow checks the size before decoding."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                     + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b""))



def test_exif_orientation_6_rotates_clockwise(tmp_path):
    img = np.zeros((20, 40, 3), np.uint8)  # stored landscape: left half red, right half blue
    img[:, :20] = (255, 0, 0)
    img[:, 20:] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    Image.fromarray(img).save(tmp_path / "rot.jpg", exif=exif, quality=95)

    out = load_image(tmp_path / "rot.jpg")
    assert out.shape == (40, 20, 3) and out.dtype == np.uint8
    # rotating clockwise puts the stored left edge (red) on top
    assert np.abs(out[5, 10].astype(int) - (255, 0, 0)).max() < 40
    assert np.abs(out[35, 10].astype(int) - (0, 0, 255)).max() < 40


def test_rgba_is_composited_on_white(tmp_path):
    rgba = np.zeros((8, 24, 4), np.uint8)
    rgba[:, :8] = (0, 0, 0, 0)  # fully transparent black -> white
    rgba[:, 8:16] = (255, 0, 0, 255)  # opaque red stays red
    rgba[:, 16:] = (0, 0, 0, 128)  # half transparent black -> mid gray
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")

    out = load_image(tmp_path / "a.png").astype(int)
    assert out.shape == (8, 24, 3)
    assert (out[:, :8] == 255).all()
    assert (out[:, 8:16] == (255, 0, 0)).all()
    assert np.abs(out[:, 16:] - 127).max() <= 1


def test_palette_with_transparency_is_composited_on_white(tmp_path):
    im = Image.new("P", (10, 10), 0)
    im.putpalette([0, 0, 0, 0, 255, 0] + [0] * 762)
    im.paste(1, (5, 0, 10, 10))
    im.save(tmp_path / "p.png", transparency=0)
    out = load_image(tmp_path / "p.png")
    assert (out[:, :5] == 255).all() and (out[:, 5:] == (0, 255, 0)).all()


def test_grayscale_8_and_16_bit(tmp_path):
    Image.fromarray(np.full((6, 7), 100, np.uint8), "L").save(tmp_path / "l.png")
    out = load_image(tmp_path / "l.png")
    assert out.shape == (6, 7, 3) and (out == 100).all()

    a16 = np.zeros((4, 4), np.uint16)
    a16[:2] = 65535
    a16[2:] = 32896  # 128 * 257
    Image.fromarray(a16).save(tmp_path / "i16.png")
    assert Image.open(tmp_path / "i16.png").mode.startswith("I")
    out = load_image(tmp_path / "i16.png")
    assert out.dtype == np.uint8 and out.shape == (4, 4, 3)
    assert (out[:2] == 255).all() and (out[2:] == 128).all()  # scaled, not clipped


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg", quality=95)
    out = load_image(tmp_path / "cmyk.jpg").astype(int)
    assert out.shape == (16, 16, 3)
    assert np.abs(out - (255, 0, 0)).max() < 20


@pytest.mark.parametrize("max_side", [4096, 1000])
def test_huge_jpeg_is_downscaled_to_max_side(tmp_path, max_side):
    im = Image.new("RGB", (6000, 5000), (30, 120, 200))
    im.paste((250, 250, 0), (0, 0, 3000, 5000))  # left half yellow
    im.save(tmp_path / "big.jpg", quality=70)

    out = load_image(tmp_path / "big.jpg", max_side=max_side)
    assert max(out.shape[:2]) == max_side
    assert abs(out.shape[1] / out.shape[0] - 6000 / 5000) < 0.01
    h, w = out.shape[:2]
    assert np.abs(out[h // 2, w // 4].astype(int) - (250, 250, 0)).max() < 12
    assert np.abs(out[h // 2, 3 * w // 4].astype(int) - (30, 120, 200)).max() < 12


def test_truncated_jpeg_raises_image_error(tmp_path):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (128, 128, 3), dtype=np.uint8)).save(tmp_path / "ok.jpg")
    data = (tmp_path / "ok.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match=r"cut\.jpg.*truncated"):
        load_image(tmp_path / "cut.jpg")


@pytest.mark.parametrize("name, content, match", [
    ("notes.jpg", b"this is not an image\n", "not an image"),
    ("empty.png", b"", "empty"),
])
def test_unreadable_files_raise_image_error(tmp_path, name, content, match):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ImageError, match=match) as e:
        load_image(tmp_path / name)
    assert name in str(e.value) and "\n" not in str(e.value)


def test_missing_path_and_folder_raise_image_error(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(ImageError, match="folder"):
        load_image(tmp_path)


@pytest.mark.parametrize("size", [(10_000, 10_000), (20_000, 10_000)])
def test_decompression_bomb_becomes_image_error(tmp_path, size):
    png_header_only(tmp_path / "bomb.png", *size)  # 100 MP warns, 200 MP errors in Pillow
    with pytest.raises(ImageError, match=r"bomb\.png.*megapixels"):
        load_image(tmp_path / "bomb.png")


def test_jpeg_past_pillows_warning_limit_is_decoded_at_reduced_scale(tmp_path):
    Image.new("RGB", (10_000, 9_500), (200, 30, 30)).save(tmp_path / "95mp.jpg", quality=30)
    out = load_image(tmp_path / "95mp.jpg", max_side=1024)  # a PNG this size would be refused
    assert out.shape == (973, 1024, 3)
    assert np.abs(out[400, 500].astype(int) - (200, 30, 30)).max() < 8


@FAST
@given(h=st.integers(1, 24), w=st.integers(1, 24), mode=st.sampled_from(["RGB", "L", "RGBA"]),
       seed=st.integers(0, 2**32 - 1))
def test_load_image_property_shape_and_values(tmp_path, h, w, mode, seed):
    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "L": 1, "RGBA": 4}[mode]
    a = rng.integers(0, 256, (h, w, channels), dtype=np.uint8)
    Image.fromarray(a[..., 0] if mode == "L" else a, mode).save(tmp_path / "x.png")

    out = load_image(tmp_path / "x.png")
    assert out.shape == (h, w, 3) and out.dtype == np.uint8
    if mode == "RGB":
        assert (out == a).all()
    elif mode == "L":
        assert (out == a[..., :1]).all()
    else:
        alpha = a[..., 3:].astype(float) / 255
        expected = a[..., :3] * alpha + 255 * (1 - alpha)
        assert np.abs(out - expected).max() <= 1.0


@FAST
@given(data=st.one_of(st.binary(max_size=2048),
                      st.binary(max_size=512).map(lambda b: b"\xff\xd8\xff\xe0" + b),
                      st.binary(max_size=512).map(lambda b: b"\x89PNG\r\n\x1a\n" + b)))
def test_fuzz_random_bytes_give_image_error_or_an_image(tmp_path, data):
    (tmp_path / "fuzz.jpg").write_bytes(data)
    try:
        out = load_image(tmp_path / "fuzz.jpg")
    except ImageError as e:
        assert "\n" not in str(e)
    else:
        assert out.ndim == 3 and out.shape[2] == 3 and out.dtype == np.uint8


def _with_lens(path: Path, img: np.ndarray, f35: int | None, recorded: tuple[int, int] | None) -> Path:
    exif = Image.Exif()
    sub = exif.get_ifd(0x8769)
    if f35 is not None:
        sub[0xA405] = f35  # FocalLengthIn35mmFilm
    if recorded is not None:
        sub[0xA002], sub[0xA003] = recorded  # PixelXDimension, PixelYDimension
    Image.fromarray(img).save(path, exif=exif, quality=90)
    return path


def test_the_lens_is_read_only_from_the_cameras_whole_frame(tmp_path):
    from tritalk.io.image import focal_35mm

    img = np.full((30, 40, 3), 128, np.uint8)
    assert focal_35mm(_with_lens(tmp_path / "phone.jpg", img, 26, (40, 30))) == 26.0
    # a crop or a resize keeps the EXIF, not the frame its focal length describes
    assert focal_35mm(_with_lens(tmp_path / "crop.jpg", img[:, :30], 26, (40, 30))) is None
    assert focal_35mm(_with_lens(tmp_path / "unsized.jpg", img, 26, None)) is None
    assert focal_35mm(_with_lens(tmp_path / "nolens.jpg", img, None, (40, 30))) is None
    # an editor's crop that rewrote the recorded size (Obama's official portrait: a 4:5 crop of a 3:2 frame whose
    # EXIF says 910 x 1137): no camera's frame has that shape
    portrait = np.full((50, 40, 3), 128, np.uint8)
    assert focal_35mm(_with_lens(tmp_path / "edited.jpg", portrait, 85, (40, 50))) is None
    three_two = np.full((40, 60, 3), 128, np.uint8)
    assert focal_35mm(_with_lens(tmp_path / "dslr.jpg", three_two, 85, (60, 40))) == 85.0
    assert focal_35mm((tmp_path / "phone.jpg").read_bytes()) == 26.0  # (the web app's live photo arrives as bytes)
    Image.fromarray(img).save(tmp_path / "plain.png")
    assert focal_35mm(tmp_path / "plain.png") is None
    (tmp_path / "junk.jpg").write_bytes(b"not an image")
    assert focal_35mm(tmp_path / "junk.jpg") is None  # (load_image names the problem; this only says: unknown)
    assert focal_35mm(b"not an image") is None


def test_the_lens_of_a_decompression_bomb_is_unknown_not_an_error(tmp_path, monkeypatch):
    from tritalk.io.image import focal_35mm

    data = _with_lens(tmp_path / "big.jpg", np.full((300, 400, 3), 128, np.uint8), 26, (400, 300)).read_bytes()
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # (Pillow refuses images over twice this)
    assert focal_35mm(data) is None
