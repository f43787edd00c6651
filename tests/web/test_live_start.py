"""The live page's start message: its photo (a data: URL) decoded, with the lens its EXIF records, so a turned live
view has the perspective a generated video of the same file has."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from tritalk.errors import ImageError
from tritalk.web.live_socket import LiveStart


def _data_url(img: np.ndarray, f35: int | None) -> str:
    exif = Image.Exif()
    if f35 is not None:
        sub = exif.get_ifd(0x8769)
        sub[0xA405], sub[0xA002], sub[0xA003] = f35, img.shape[1], img.shape[0]
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", exif=exif, quality=90)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def test_the_start_message_carries_the_photos_lens():
    img = np.full((30, 40, 3), 128, np.uint8)
    start = LiveStart.parse({"photo": _data_url(img, 26), "yaw": 30})
    assert start.photo.shape == (30, 40, 3) and start.lens == 26.0
    assert LiveStart.parse({"photo": _data_url(img, None)}).lens is None
    bundled = LiveStart.parse({})
    assert bundled.photo is None and bundled.lens is None
    with pytest.raises(ImageError, match="not an image"):
        LiveStart.parse({"photo": "data:image/jpeg;base64," + base64.b64encode(b"nope").decode()})
