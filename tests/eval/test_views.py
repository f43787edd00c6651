"""eval/views.py: a camera turned left or right is measured turned the same way by MediaPipe."""

from __future__ import annotations

from tritalk.eval.views import measure_views


def test_requested_yaw_is_measured_with_its_sign(example_rgb, analyser):
    got = measure_views(example_rgb, analyser, size=256, views=((30, 0), (-30, 0)))
    assert set(got) == {(30, 0), (-30, 0)}
    assert 15 < got[(30, 0)][0] < 40 and -40 < got[(-30, 0)][0] < -15
    assert abs(got[(30, 0)][1]) < 10  # a yaw does not read as a pitch
