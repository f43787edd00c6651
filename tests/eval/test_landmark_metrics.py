"""M-LMD / F-LMD on synthetic landmark sets: the generated face aligned on the real one (upper-face anchors),
normalised by the real inter-ocular distance."""

import numpy as np
import pytest

from tritalk.eval.landmark_metrics import MOUTH, f_lmd, inter_ocular, m_lmd, mouth_motion, mouth_opening
from tritalk.face.model import EYE_CORNERS, INNER_LIP_MIDDLE

LOWER_LIP = [i for i in MOUTH if i in (14, 87, 178, 88, 95, 317, 402, 318, 324, 17, 84, 181, 91, 146, 314, 405, 321, 375)]


def face(t: int = 5, iod: float = 100.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lm = rng.uniform(0, 200, (t, 478, 3)).astype(np.float32)
    lm[:, EYE_CORNERS[0], :2] = (50, 80)
    lm[:, EYE_CORNERS[1], :2] = (50 + iod, 80)
    return lm


def test_identical_faces_give_zero_and_a_moved_rolled_or_scaled_head_too():
    real = face()
    assert m_lmd(real, real) == pytest.approx(0.0, abs=1e-9)
    a = np.radians(3.0)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    moved = real.copy()
    moved[..., :2] = (real[..., :2] @ rot.T) * 1.05 + 7.0  # the head rolled 3 deg, 5 % nearer, shifted
    assert m_lmd(real, moved) == pytest.approx(0.0, abs=1e-6)
    assert f_lmd(real, moved) == pytest.approx(0.0, abs=1e-6)


def test_a_lowered_lip_gives_the_hand_computed_m_lmd():
    real = face(iod=100.0)
    fake = real.copy()
    fake[:, LOWER_LIP, 1] += 10.0  # lower lip 10 px down; the upper-face anchors stay
    half = fake.copy()
    half[:, LOWER_LIP, 1] -= 5.0
    k, n = len(LOWER_LIP), len(MOUTH)
    assert m_lmd(real, fake) == pytest.approx(10.0 * k / n / 100.0, rel=1e-6)  # mean over the 40 points / eye distance
    assert m_lmd(real, half) == pytest.approx(m_lmd(real, fake) / 2, rel=1e-6)
    assert 0 < f_lmd(real, fake) < m_lmd(real, fake)  # the same move over 468 points


def test_missing_faces_are_skipped_and_none_gives_nan():
    real, fake = face(), face(seed=1)
    fake[2] = np.nan
    assert np.isfinite(m_lmd(real, fake))
    fake[:] = np.nan
    assert np.isnan(m_lmd(real, fake))


def test_mouth_opening_is_gap_over_eye_distance():
    lm = face(t=1, iod=80.0)
    lm[0, INNER_LIP_MIDDLE[0], :2] = (100, 150)
    lm[0, INNER_LIP_MIDDLE[1], :2] = (100, 158)
    assert inter_ocular(lm)[0] == pytest.approx(80.0)
    assert mouth_opening(lm)[0] == pytest.approx(0.1)


def test_mouth_motion_sees_timing_and_amplitude():
    real = face(t=40, iod=100.0)
    gap = 10 * np.abs(np.sin(np.arange(40) / 3.0))
    real[:, INNER_LIP_MIDDLE[1], 0] = real[:, INNER_LIP_MIDDLE[0], 0]  # a vertical gap
    real[:, INNER_LIP_MIDDLE[1], 1] = real[:, INNER_LIP_MIDDLE[0], 1] + gap
    wide = real.copy()
    wide[:, INNER_LIP_MIDDLE[1], 1] = real[:, INNER_LIP_MIDDLE[0], 1] + 2 * gap
    got = mouth_motion(real, wide)
    assert got["mouth_open_r"] == pytest.approx(1.0) and got["mouth_open_range"] == pytest.approx(2.0, rel=1e-4)
