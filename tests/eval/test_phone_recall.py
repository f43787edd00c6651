"""eval/phone_recall.py: bilabial spans found / correct within the tolerance."""

from __future__ import annotations

from tritalk.audio.phones import PhoneSpan, arpabet_viseme
from tritalk.eval.phone_recall import bilabials, score


def _spans(*timing):
    return [PhoneSpan(p, arpabet_viseme(p), a, b) for p, a, b in timing]


def test_only_bilabials_are_scored():
    assert bilabials(_spans(("B", 0.1, 0.2), ("AA", 0.2, 0.4), ("M", 0.5, 0.6), ("T", 0.6, 0.7))) == \
        [(0.1, 0.2, "B"), (0.5, 0.6, "M")]


def test_found_and_correct_with_tolerance():
    ref = [(1.0, 1.1, "P"), (2.0, 2.1, "M")]
    hyp = [(1.12, 1.2, "B"), (3.0, 3.1, "M")]  # 20 ms after the first; a false hit
    assert score(ref, hyp, tol=0.03) == ([True, False], [True, False])
    assert score(ref, hyp, tol=0.0) == ([False, False], [False, False])
    assert score(ref, [], tol=0.03) == ([False, False], [])
