"""How well a phone recogniser finds /p b m/: recall and precision of recognised bilabial spans.

    found, correct = score(bilabials(reference_spans), bilabials(recognise_phones(clip)), tol=0.03)

Reference spans come from forced alignment of a known transcript (``audio.phone_recogniser.align_phones``).
A reference /p b m/ span is *found* when a recognised P/B/M span overlaps it (each end widened by
``tol`` s); a recognised P/B/M span is *correct* when it overlaps a reference one the same way.
docs/motion.md "How well allphone finds bilabials" is scripts/pbm_recall.py over these functions.
"""

from __future__ import annotations

import logging
from typing import Sequence

from tritalk.audio.phones import PhoneSpan

logger = logging.getLogger(__name__)

Span = tuple[float, float, str]  # start [s], end [s], phone


def bilabials(spans: Sequence[PhoneSpan]) -> list[Span]:
    """The /p b m/ spans (viseme PBM) of a phone sequence."""
    return [(s.start, s.end, s.phone) for s in spans if s.viseme == "PBM"]


def overlaps(a: Span, b: Span, tol: float) -> bool:
    return a[0] - tol < b[1] and b[0] - tol < a[1]


def score(ref: Sequence[Span], hyp: Sequence[Span], tol: float) -> tuple[list[bool], list[bool]]:
    """(found per reference span, correct per recognised span)."""
    found = [any(overlaps(r, h, tol) for h in hyp) for r in ref]
    correct = [any(overlaps(h, r, tol) for r in ref) for h in hyp]
    return found, correct
