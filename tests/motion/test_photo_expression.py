"""An open-mouthed photo is not the mouth at rest: its lips close in silence and shut on /p b m/
(motion/photo_expression.py ``closed_rest``, render/mesh_engine.py ``lips_in_contact``), measured by MediaPipe on
the rendered frames; a photo with its lips together is still reproduced as it is."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from helpers import mouth_open_ratio
from tritalk import TalkingHead, TritalkConfig
from tritalk.io.video import read_video_frames
from tritalk.motion.photo_expression import CLOSED_LIP_GAP_CM, closed_rest, on_photo
from tritalk.render.mesh_engine import MeshEngine, lips_in_contact
from tritalk.types import EMOTIONS, IDX, AudioClip, Camera

DATA = Path(__file__).parents[1] / "data"
OPEN_FRAME = 37  # of tests/data/grid_sbia1a_cut.mp4: mid-word, lips ~1.4 cm apart (MediaPipe: gap / eye distance 0.16)
NEUTRAL = np.eye(len(EMOTIONS), dtype=np.float32)[EMOTIONS.index("neutral")]


@pytest.fixture(scope="module")
def open_photo():
    """A real frame caught mid-word, the silent clip made from it and its engine."""
    frame = list(read_video_frames(DATA / "grid_sbia1a_cut.mp4"))[OPEN_FRAME]
    with TalkingHead(TritalkConfig(size=256)) as head:
        subject = head.subject(frame)
        silence = AudioClip(np.zeros(16000 * 3 // 5, np.float32), 16000)  # 0.6 s
        frames = np.concatenate(list(head.generate(frame, silence).frames()))
    return subject, MeshEngine(subject), frames


def test_open_mouth_photo_closes_its_lips_in_silence(open_photo, analyser):
    subject, _, frames = open_photo
    photo = mouth_open_ratio(analyser.detect_all(subject.image)[0].landmarks)
    assert photo > 0.1  # the premise: the photo's lips are well apart
    silent = [mouth_open_ratio(analyser.detect_all(f)[0].landmarks) for f in frames[5::5]]
    # at rest the lips keep at most a relaxed gap (RELAXED_LIP_GAP_CM, here ~0.1); the old rest, the photo's own
    # open mouth, held the whole ratio through every pause
    assert max(silent) < 0.6 * photo, (photo, silent)


def test_open_mouth_photo_shuts_fully_on_a_closure_without_a_painted_mouth(open_photo, analyser):
    subject, engine, _ = open_photo
    zero = np.zeros((1, 52), np.float32)
    shut = on_photo(zero, subject.ref_expr, NEUTRAL[None], subject.lip_gap, closure=np.ones(1, np.float32))[0]
    frame = engine.render_frame(shut, np.zeros(6, np.float32))
    assert mouth_open_ratio(analyser.detect_all(frame)[0].landmarks) < 0.02
    # the lips meet along the whole mouth: nothing of the inner mouth (teeth, cavity) is painted between them
    plain = MeshEngine(subject)
    plain._draw_mouth = lambda *args: None
    assert np.array_equal(frame, plain.render_frame(shut, np.zeros(6, np.float32)))


def test_closed_photo_is_its_own_rest(subject256):
    assert subject256.lip_gap < CLOSED_LIP_GAP_CM  # the bundled portrait: lips together
    rest = closed_rest(subject256.ref_expr, subject256.lip_gap, np.array([0.0, 1.0], np.float32))
    assert np.array_equal(rest, np.repeat(subject256.ref_expr[None], 2, 0))


def test_closing_lowers_the_jaw_below_the_photo_and_stays_continuous():
    photo = np.zeros(52, np.float32)
    photo[IDX["jawOpen"]] = 0.4
    wide = closed_rest(photo, 1.4)[0]
    assert wide[IDX["jawOpen"]] < 0.4 and wide[IDX["mouthClose"]] > 0.0
    a, b = closed_rest(photo, 2 * CLOSED_LIP_GAP_CM - 1e-4)[0], closed_rest(photo, 2 * CLOSED_LIP_GAP_CM + 1e-4)[0]
    assert np.abs(a - b).max() < 1e-3  # no jump where the share closed reaches 1
    assert np.array_equal(closed_rest(photo, CLOSED_LIP_GAP_CM)[0], photo)


def test_lips_touch_but_never_pass_through_each_other(open_photo):
    subject, engine, _ = open_photo
    delta = np.zeros(52, np.float32)
    delta[IDX["mouthClose"]] = 1.0  # far more than the photo's gap: the blendshape alone would cross the lips
    v = engine.project(delta, np.zeros(6, np.float32), Camera())
    from tritalk.face.model import INNER_LIP_LOWER, INNER_LIP_UPPER

    assert np.all(v[list(INNER_LIP_LOWER), 1] >= v[list(INNER_LIP_UPPER), 1] - 0.3)  # image y grows downwards
    x = subject.personal + np.tensordot(delta, engine.expr_basis, axes=1)
    assert np.array_equal(lips_in_contact(subject.personal), subject.personal)  # open lips: untouched
    assert not np.array_equal(lips_in_contact(x), x)
    overlap = x[INNER_LIP_UPPER[5], 1] - x[INNER_LIP_LOWER[5], 1]  # < 0: crossed
    assert overlap < 0
    kept = lips_in_contact(x, floor=overlap - 1.0)  # a photo whose own lips overlap that much keeps them so
    assert kept[INNER_LIP_UPPER[5], 1] == x[INNER_LIP_UPPER[5], 1]
