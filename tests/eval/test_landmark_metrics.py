"""M-LMD / F-LMD on synthetic landmark sets: normalised by the real inter-ocular distance, centred per frame."""

import numpy as np
import pytest

from tritalk.eval.landmark_metrics import MOUTH, f_lmd, inter_ocular, m_lmd, mouth_opening
from tritalk.face.model import EYE_CORNERS, INNER_LIP_MIDDLE


def face(t: int = 5, iod: float = 100.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lm = rng.uniform(0, 200, (t, 478, 3)).astype(np.float32)
    lm[:, EYE_CORNERS[0], :2] = (50, 80)
    lm[:, EYE_CORNERS[1], :2] = (50 + iod, 80)
    return lm


def test_identical_landmarks_give_zero_and_a_shifted_head_too():
    real = face()
    assert m_lmd(real, real) == 0.0
    moved = real.copy()
    moved[..., :2] += 7.0  # the whole head translated: centring removes it
    assert m_lmd(real, moved) == pytest.approx(0.0, abs=1e-5)


def test_a_moved_mouth_gives_larger_m_lmd_in_eye_distances():
    real = face(iod=100.0)
    fake = real.copy()
    lower = [i for i in MOUTH if i in (14, 87, 178, 88, 95, 317, 402, 318, 324, 17, 84, 181, 91, 146, 314, 405, 321, 375)]
    fake[:, lower, 1] += 10.0  # lower lip 10 px down = 0.1 eye distances for those points
    small = fake.copy()
    small[:, lower, 1] -= 5.0
    assert m_lmd(real, fake) > m_lmd(real, small) > 0
    # hand value: the moved points shift by 10 px, the mouth centroid by 10 * k / n; distance / 100
    k, n = len(lower), len(MOUTH)
    c = 10.0 * k / n
    expected = (k * (10.0 - c) + (n - k) * c) / n / 100.0
    assert m_lmd(real, fake) == pytest.approx(expected, rel=1e-5)
    # the face measure counts the same move over 468 points: smaller
    assert 0 < f_lmd(real, fake) < m_lmd(real, fake)


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
