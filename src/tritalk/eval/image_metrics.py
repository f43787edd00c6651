"""Full-reference image metrics (PSNR, SSIM) and temporal flicker, on uint8 RGB frames in the face crop.

    psnr(real, fake)       # dB, data range 255; inf for identical images
    ssim(real, fake)       # Wang et al. 2004: Gaussian window 11x11, sigma 1.5, K1 0.01, K2 0.03, mean of the
                           # R, G, B maps (as skimage's structural_similarity(channel_axis=-1, gaussian_weights=True))
    flicker(frames)        # mean |frame_t - frame_t-1| over the crop, grey levels 0..255 (real video of a
                           # speaking head: motion only; a renderer adds its own frame-to-frame noise on top)

The protocol (eval/protocol.py) compares each generated frame with the real frame mapped into the same
crop (the Subject's crop box) at the same size.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

SSIM_WINDOW, SSIM_SIGMA = 11, 1.5  # Wang et al. 2004, Sec. III-C
SSIM_K1, SSIM_K2 = 0.01, 0.03
DATA_RANGE = 255.0


def psnr(real: np.ndarray, fake: np.ndarray) -> float:
    """Peak signal-to-noise ratio [dB] of two images of the same shape (uint8 or float in 0..255)."""
    _same_shape(real, fake)
    mse = float(np.mean((real.astype(np.float64) - fake.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(DATA_RANGE ** 2 / mse)


def ssim(real: np.ndarray, fake: np.ndarray) -> float:
    """Mean structural similarity of two (H, W) or (H, W, C) images (0..255); 1 for identical images."""
    _same_shape(real, fake)
    a, b = real.astype(np.float64), fake.astype(np.float64)
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]
    c1, c2 = (SSIM_K1 * DATA_RANGE) ** 2, (SSIM_K2 * DATA_RANGE) ** 2

    def blur(x: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(x, (SSIM_WINDOW, SSIM_WINDOW), SSIM_SIGMA, borderType=cv2.BORDER_REFLECT)

    maps = []
    for c in range(a.shape[2]):
        x, y = a[..., c], b[..., c]
        mx, my = blur(x), blur(y)
        vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
        s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
        half = SSIM_WINDOW // 2  # as skimage: the border where the window leaves the image is not averaged
        maps.append(s[half:-half, half:-half] if min(s.shape) > 2 * half else s)
    return float(np.mean([m.mean() for m in maps]))


def flicker(frames: np.ndarray) -> float:
    """(T, H, W, 3) uint8 -> mean absolute grey-level change between consecutive frames (NaN if T < 2)."""
    if len(frames) < 2:
        return float("nan")
    grey = frames.astype(np.float32).mean(axis=-1)
    return float(np.abs(np.diff(grey, axis=0)).mean())


def _same_shape(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} vs {b.shape}")
