"""PSNR, SSIM and flicker against hand-computed values on tiny images."""

import math

import numpy as np
import pytest

from tritalk.eval.image_metrics import flicker, psnr, ssim


def test_identical_images_psnr_inf_ssim_one():
    img = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    assert psnr(img, img) == math.inf
    assert ssim(img, img) == pytest.approx(1.0, abs=1e-9)


def test_psnr_of_a_known_error():
    a = np.zeros((8, 8, 3), np.uint8)
    b = a + 10  # every pixel off by 10: MSE 100 -> 10 log10(255^2 / 100) = 28.13 dB
    assert psnr(a, b) == pytest.approx(10 * math.log10(255 ** 2 / 100), abs=1e-9)


def test_ssim_falls_with_noise_and_a_constant_shift_keeps_structure():
    rng = np.random.default_rng(1)
    img = rng.integers(40, 200, (48, 48, 3)).astype(np.uint8)
    noisy = np.clip(img + rng.normal(0, 40, img.shape), 0, 255).astype(np.uint8)
    brighter = img + 20
    assert ssim(img, noisy) < 0.8
    assert ssim(img, brighter) > ssim(img, noisy)
    assert ssim(img, brighter) < 1.0
    # an inverted image has anti-correlated structure
    assert ssim(img, 255 - img) < 0.0


def test_flicker_of_alternating_frames():
    frames = np.zeros((4, 4, 4, 3), np.uint8)
    frames[1::2] = 6  # grey level jumps by 6 at every frame
    assert flicker(frames) == pytest.approx(6.0)
    assert flicker(frames[:1]) != flicker(frames[:1])  # NaN for one frame


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="shape"):
        psnr(np.zeros((4, 4, 3)), np.zeros((4, 5, 3)))
