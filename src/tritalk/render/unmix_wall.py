"""The wall's share taken out of the person's edge pixels (colour decontamination, as matting tools do it).

A photo's pixels at the person's outline, and between the strands of thin or spiky hair, mix the person's
colour with the wall behind: a GRID speaker's grey hair is cyan at its edge. At the photo's view that is right
(the wall behind is the same); turned, the head's surface carries those pixels in front of the side of the head,
the wall is not behind them any more, and they showed as cyan-grey patches in the hair.

Each edge pixel ``c`` (within ``band`` of the person matte's outline) is taken as a mix ``c = (1 - s) F + s B`` of the
person's colour ``F`` there (the interior's pixels averaged nearby) and the wall's ``B`` (the background plate,
the person inpainted): ``s`` is ``c``'s projection on the line from ``F`` to ``B`` (clipped to 0..1), and the
unmixed colour is ``c - s (B - F)``: the wall's share replaced by the person's colour, the pixel's own texture
across that line (a strand, a highlight) kept. A pixel on the far side of ``F`` from ``B`` (a dark strand before a
light wall) projects below 0 and is left as it is; so is every pixel where ``F`` and ``B`` are alike (nothing to
tell apart). A pixel beyond the wall's colour keeps what lies past it (``s`` at most 1)."""

from __future__ import annotations

import cv2
import numpy as np


def unmix_wall(image: np.ndarray, alpha: np.ndarray, background: np.ndarray, band: float,
               contrast: float) -> np.ndarray:
    """``image`` (S, S, 3) uint8 the photo; ``alpha`` (S, S) float32 the person's coverage; ``background``
    (S, S, 3) uint8 the photo with the person inpainted; ``band`` the edge's width (a fraction of the frame);
    ``contrast`` the least distance (grey levels, RGB) between the person's and the wall's colour that is
    unmixed. Returns the photo (S, S, 3) uint8 with the wall's share taken out of the person's edge pixels
    (the rest, and everything outside the person, as it is)."""
    size = image.shape[0]
    r = max(2, int(round(band * size)))
    person = (alpha > 0.5).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    interior = cv2.erode(person, kernel).astype(np.float32)
    edge = (person > 0) & (interior == 0)
    if not edge.any() or not interior.any():
        return image
    img = image.astype(np.float32)
    # the person's colour near each edge pixel: its interior's, averaged over the band (and, where the interior
    # is farther, over three bands)
    fg = np.zeros_like(img)
    weight = np.zeros(alpha.shape, np.float32)
    for sigma in (float(r), 3.0 * r):
        w = cv2.GaussianBlur(interior, (0, 0), sigma)
        f = cv2.GaussianBlur(img * interior[..., None], (0, 0), sigma) / np.maximum(w, 1e-6)[..., None]
        take = (weight < 1e-3) & (w >= 1e-3)
        fg[take], weight[take] = f[take], w[take]
    edge &= weight >= 1e-3
    wall = cv2.GaussianBlur(background.astype(np.float32), (0, 0), max(size / 256.0, 0.5))
    d = wall - fg
    dd = (d * d).sum(2)
    share = np.clip(((img - fg) * d).sum(2) / np.maximum(dd, 1.0), 0.0, 1.0)
    share[~edge | (dd < contrast * contrast)] = 0.0
    return np.clip(np.round(img - share[..., None] * d), 0, 255).astype(np.uint8)
