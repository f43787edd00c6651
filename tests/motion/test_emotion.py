"""motion/emotion*.py, photo_expression.py: prototypes act on the right regions, lips stay speech-driven,
timelines, statistics, a smiling photo."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import photo_plus
from tritalk.audio.features import audio_features
from tritalk.errors import ConfigError, WeightsError
from tritalk.face.model import INNER_LIP_LOWER, INNER_LIP_UPPER
from tritalk.io.audio import load_audio
from tritalk.motion.emotion import EmotionModel, emotion_offsets
from tritalk.motion.emotion_stats import EmotionStats, fit_emotion_stats
from tritalk.motion.emotion_timeline import emotion_track, parse_emotion, parse_timeline
from tritalk.motion.photo_expression import on_photo, photo_smile_weight
from tritalk.motion.speech import SpeechMotion
from tritalk.render.mesh_engine import MeshEngine
from tritalk.types import EMOTIONS, IDX, N_EXPR, EmotionSpec, EmotionTimeline

FPS = 25.0
ZERO_HEAD = np.zeros(6, np.float32)
# MediaPipe landmarks (R = the subject's right = image left)
CORNER_R, CORNER_L = 61, 291
LIP_TOP, LIP_BOTTOM = 0, 17
BROW_INNER_R, BROW_INNER_L = 55, 285
BROW_MID_R, BROW_MID_L = 105, 334
LID_UP_R, LID_LO_R = 159, 145
NOSE_TIP = 1


@pytest.fixture(scope="module")
def speech(example_audio_path):
    clip = load_audio(example_audio_path)
    feats = audio_features(clip, FPS)
    return SpeechMotion().generate(feats).expr[: int(8 * FPS)]  # (T, 52), 8 s of real speech


@pytest.fixture(scope="module")
def engine(subject256):
    return MeshEngine(subject256)


def verts(engine: MeshEngine, offset: np.ndarray) -> np.ndarray:
    """(478, 2) image positions of the landmarks for an expression offset from the photo's own."""
    return engine.project(engine.expr_delta(photo_plus(engine, offset)), ZERO_HEAD)[:, :2]


def rest_offset(name: str, intensity: float = 1.0) -> np.ndarray:
    """The emotion's offset on a silent (closed, resting) mouth."""
    return emotion_offsets(EmotionSpec(name, intensity), np.zeros((1, N_EXPR), np.float32), FPS)[0]


def inner_gap(v: np.ndarray) -> float:
    return float(np.mean(v[list(INNER_LIP_LOWER)[1:-1], 1] - v[list(INNER_LIP_UPPER)[1:-1], 1]))


# --- intensity 0 is neutral ---------------------------------------------------------------------

@pytest.mark.parametrize("name", EMOTIONS)
def test_intensity_zero_gives_no_offset(name, speech):
    out = emotion_offsets(EmotionSpec(name, 0.0), speech, FPS)
    assert np.array_equal(out, np.zeros_like(speech))


def test_intensity_zero_motion_is_the_neutral_motion(example_audio_path):
    from tritalk.pipeline import TalkingHead

    clip = load_audio(example_audio_path)
    head = TalkingHead.__new__(TalkingHead)  # the motion path only: no face landmarker needed
    from tritalk.config import TritalkConfig

    head.config, head.speech, head.emotion_model = TritalkConfig(), SpeechMotion(), EmotionModel.default()
    neutral = head.motion(clip, EmotionSpec("neutral", 0.8), seed=3)
    for name in ("happy", "angry", "surprised"):
        m = head.motion(clip, EmotionSpec(name, 0.0), seed=3)
        np.testing.assert_array_equal(m.expr, neutral.expr)
        np.testing.assert_array_equal(m.head, neutral.head)
        np.testing.assert_array_equal(m.gaze, neutral.gaze)


# --- each emotion moves the right regions (measured on the rendered mesh of a real portrait) -----

def test_happy_raises_mouth_corners_and_cheeks(engine):
    n, h = verts(engine, rest_offset("neutral")), verts(engine, rest_offset("happy"))
    mid_n = (n[LIP_TOP, 1] + n[LIP_BOTTOM, 1]) / 2
    mid_h = (h[LIP_TOP, 1] + h[LIP_BOTTOM, 1]) / 2
    for c in (CORNER_R, CORNER_L):
        assert (h[c, 1] - mid_h) < (n[c, 1] - mid_n) - 1.0  # corners rise relative to the lips' centre (px at 256)
    assert np.linalg.norm(h[CORNER_R] - h[CORNER_L]) > np.linalg.norm(n[CORNER_R] - n[CORNER_L]) + 1.0  # wider
    assert h[LID_LO_R, 1] < n[LID_LO_R, 1] - 0.3  # lower lid pushed up by the cheek (AU6)


def test_sad_lowers_corners_and_raises_inner_brows(engine):
    n, s = verts(engine, rest_offset("neutral")), verts(engine, rest_offset("sad"))
    for c in (CORNER_R, CORNER_L):
        assert s[c, 1] > n[c, 1] + 0.5
    for b in (BROW_INNER_R, BROW_INNER_L):
        assert s[b, 1] < n[b, 1] - 0.5


def test_angry_lowers_the_brows_narrows_the_eyes_and_bares_the_teeth(engine):
    n, a = verts(engine, rest_offset("neutral")), verts(engine, rest_offset("angry"))
    for b in (BROW_MID_R, BROW_MID_L, BROW_INNER_R, BROW_INNER_L):
        assert a[b, 1] > n[b, 1] + 0.5
    assert a[BROW_INNER_L, 0] - a[BROW_INNER_R, 0] < n[BROW_INNER_L, 0] - n[BROW_INNER_R, 0] - 0.3  # drawn together
    assert (a[LID_LO_R, 1] - a[LID_UP_R, 1]) < (n[LID_LO_R, 1] - n[LID_UP_R, 1]) - 0.3  # lids tightened
    assert inner_gap(a) > inner_gap(n) + 1.0  # the nose wrinkle (AU9) lifts the upper lip off the teeth


def test_surprised_raises_brows_widens_eyes_and_drops_the_jaw(engine):
    n, s = verts(engine, rest_offset("neutral")), verts(engine, rest_offset("surprised"))
    for b in (BROW_MID_R, BROW_MID_L, BROW_INNER_R, BROW_INNER_L):
        assert s[b, 1] < n[b, 1] - 0.7
    assert (s[LID_LO_R, 1] - s[LID_UP_R, 1]) > (n[LID_LO_R, 1] - n[LID_UP_R, 1]) + 0.2
    assert inner_gap(s) > inner_gap(n) + 0.3  # lips just apart at rest ...


def test_surprised_speaker_opens_wider(speech):
    out = speech + emotion_offsets(EmotionSpec("surprised", 1.0), speech, FPS)
    jaw, speech_jaw = out[:, IDX["jawOpen"]], speech[:, IDX["jawOpen"]]
    loud = speech_jaw > 0.1
    assert (jaw[loud] / speech_jaw[loud]).min() > 1.5  # ... and the jaw drops further on every syllable


def test_fearful_stretches_the_mouth_and_raises_brows(engine):
    n, f = verts(engine, rest_offset("neutral")), verts(engine, rest_offset("fearful"))
    assert np.linalg.norm(f[CORNER_R] - f[CORNER_L]) > np.linalg.norm(n[CORNER_R] - n[CORNER_L]) + 1.0
    assert f[BROW_INNER_R, 1] < n[BROW_INNER_R, 1] - 0.5


def test_disgusted_raises_the_upper_lip_towards_the_nose(engine):
    n, d = verts(engine, rest_offset("neutral")), verts(engine, rest_offset("disgusted"))
    assert (d[LIP_TOP, 1] - d[NOSE_TIP, 1]) < (n[LIP_TOP, 1] - n[NOSE_TIP, 1]) - 0.5
    assert d[BROW_MID_R, 1] > n[BROW_MID_R, 1] + 0.3


def test_contempt_is_one_sided(engine):
    n, c = verts(engine, rest_offset("neutral")), verts(engine, rest_offset("contempt"))
    lift_left = n[CORNER_L, 1] - c[CORNER_L, 1]  # the subject's left corner (image right)
    lift_right = n[CORNER_R, 1] - c[CORNER_R, 1]
    assert lift_left > lift_right + 0.5


@pytest.mark.parametrize("name", [e for e in EMOTIONS if e != "neutral"])
def test_rendered_change_grows_with_intensity(engine, name):
    n = verts(engine, rest_offset("neutral"))
    moved = [np.abs(verts(engine, rest_offset(name, i)) - n).sum() for i in (0.0, 0.5, 1.0)]
    assert moved[0] == 0.0 and moved[0] < moved[1] < moved[2]


# --- lips stay speech-driven ---------------------------------------------------------------------

@pytest.mark.parametrize("name", [e for e in EMOTIONS if e != "neutral"])
def test_lips_stay_speech_driven(engine, speech, name):
    frames = np.arange(0, len(speech), 2)
    neutral = np.array([inner_gap(verts(engine, speech[t])) for t in frames])
    emo = speech + emotion_offsets(EmotionSpec(name, 1.0), speech, FPS)
    gaps = np.array([inner_gap(verts(engine, emo[t])) for t in frames])
    speaking = speech[frames, IDX["jawOpen"]] > 0.1
    # the mouth opens and closes on the same frames as the neutral speaker ...
    assert np.corrcoef(gaps, neutral)[0, 1] > 0.9
    # ... at least as much during speech (within 10 %), and its speech movement is not damped
    assert gaps[speaking].mean() >= 0.9 * neutral[speaking].mean()
    assert np.ptp(np.percentile(gaps, [10, 90])) >= 0.9 * np.ptp(np.percentile(neutral, [10, 90]))


@pytest.mark.parametrize("name", ["surprised", "angry", "fearful"])
def test_emotion_lip_parting_relaxes_where_the_voice_is_silent(engine, speech, name):
    """With the loudness track, an open-mouthed emotion closes its lips in silence (as far as the speech
    mouth is closed there) and keeps its parting where the voice is loud."""
    n = len(speech)
    loudness = np.where(np.arange(n) % 50 < 25, -6.0, -45.0)  # 1 s voiced, 1 s silent, ...
    model = EmotionModel.default()
    out = model.offsets(emotion_track(EmotionSpec(name, 1.0), n, FPS), speech, FPS, loudness)
    silent = [t for t in range(n) if 32 <= t % 50 <= 45]
    voiced = [t for t in range(n) if 7 <= t % 50 <= 20]
    added = lambda t: inner_gap(verts(engine, speech[t] + out[t])) - inner_gap(verts(engine, speech[t]))  # noqa: E731
    assert np.mean([added(t) for t in silent]) < 0.3  # px at 256: lips as the speech has them
    assert np.mean([added(t) for t in voiced]) > 1.0  # the emotion still opens the speaking mouth


@pytest.mark.parametrize("name", ["angry", "surprised", "disgusted"])
def test_lips_still_meet_where_the_speech_model_shut_them(engine, speech, name):
    """/p b m/: where the speech model closed the lips (``Motion.lip_closure``), an emotion does not part
    them, even in a loud stretch."""
    n = len(speech)
    closure = np.zeros(n)
    closure[40:44] = closure[90:93] = 1.0
    model = EmotionModel.default()
    out = model.offsets(emotion_track(EmotionSpec(name, 1.0), n, FPS), speech, FPS, np.full(n, -3.0), closure)
    for t in (41, 42, 91):
        assert inner_gap(verts(engine, speech[t] + out[t])) < inner_gap(verts(engine, speech[t])) + 0.3
    free = [t for t in range(n) if closure[max(t - 3, 0):t + 4].max() == 0 and speech[t, IDX["jawOpen"]] > 0.1]
    assert np.mean([inner_gap(verts(engine, speech[t] + out[t])) - inner_gap(verts(engine, speech[t]))
                    for t in free]) > 1.0  # elsewhere the emotion still opens the speaking mouth


def test_rest_only_lip_shapes_give_way_while_speaking(speech):
    out = emotion_offsets(EmotionSpec("disgusted", 1.0), speech, FPS)
    roll = out[:, IDX["mouthRollLower"]]
    jaw = speech[:, IDX["jawOpen"]]
    assert roll[jaw < 0.01].mean() > 0.5 and roll[jaw > 0.2].mean() < 0.15


# --- timelines ----------------------------------------------------------------------------------

def test_emotions_that_cannot_smile_take_a_smiling_photos_smile_back(subject256):
    """The performance is made as an offset from the photo's expression, so a smiling portrait would smile
    through sadness or fear. Those emotions take the photo's smile back in proportion to their weight
    (``on_photo``); neutral, happy and contempt keep the photo as it is, and a neutral photo (its estimate
    near the floor) barely changes."""
    import dataclasses

    track = emotion_track(parse_emotion("neutral:0-1,sad:1-2,happy:2-3,fearful:3-", 1.0), int(4 * FPS), FPS)
    w = photo_smile_weight(track)
    assert w[: int(0.6 * FPS)].max() == 0.0 and w[int(1.5 * FPS)] == pytest.approx(1.0)
    assert w[int(2.5 * FPS)] == 0.0 and w[-1] == pytest.approx(1.0) and np.all(np.diff(w) < 0.2)  # cross-fades
    assert photo_smile_weight(emotion_track(EmotionSpec("sad", 0.5), 3, FPS)) == pytest.approx(0.5)

    ref = subject256.ref_expr.copy()
    ref[[IDX["mouthSmileLeft"], IDX["mouthSmileRight"]]] = 0.8
    smiling = MeshEngine(dataclasses.replace(subject256, fit=dataclasses.replace(subject256.fit, expr=ref)))
    zero = np.zeros((1, N_EXPR), np.float32)
    neutral, sad = (emotion_track(EmotionSpec(e, 1.0), 1, FPS) for e in ("neutral", "sad"))
    kept = smiling.project(smiling.expr_delta(on_photo(zero, ref, neutral)[0]), ZERO_HEAD)[:, :2]
    undone = smiling.project(smiling.expr_delta(on_photo(zero, ref, sad)[0]), ZERO_HEAD)[:, :2]
    for corner in (CORNER_R, CORNER_L):
        assert undone[corner, 1] > kept[corner, 1] + 1.0  # the mouth corners come down
    plain = subject256.ref_expr  # the bundled photo does not smile: (almost) nothing to take back
    assert np.abs(on_photo(zero, plain, sad)[0] - plain).max() < 0.1


def test_timeline_parsing():
    tl = parse_timeline("neutral:0-2,happy:2-6,sad:6-", intensity=0.7)
    assert [(s.name, s.intensity, a, b) for s, a, b in tl.segments] == [
        ("neutral", 0.7, 0.0, 2.0), ("happy", 0.7, 2.0, 6.0), ("sad", 0.7, 6.0, float("inf"))]
    tl = parse_emotion("happy@0.9:1-3, angry:3-4")
    assert isinstance(tl, EmotionTimeline) and tl.segments[0][0].intensity == 0.9
    assert parse_emotion(" Happy ", 0.3) == EmotionSpec("happy", 0.3)


@pytest.mark.parametrize("text", ["happy:abc", "joyous:0-2", "happy:3-1", "happy:0-3,sad:2-4", "happy:0-2,",
                                  "happy@2:0-1", "happy:1-2-3"])
def test_bad_timelines_are_one_line_config_errors(text):
    with pytest.raises(ConfigError) as e:
        parse_emotion(text)
    assert "\n" not in str(e.value) and len(str(e.value)) < 200


def test_transitions_are_smooth_and_reach_each_segment():
    tl = parse_timeline("neutral:0-2,happy:2-4,angry:4-", intensity=1.0)
    track = emotion_track(tl, int(6 * FPS), FPS)  # (T, 8)
    np.testing.assert_allclose(track.sum(1), 1.0, atol=1e-6)
    assert track[int(1.0 * FPS), EMOTIONS.index("neutral")] > 0.99
    assert track[int(3.0 * FPS), EMOTIONS.index("happy")] > 0.99
    assert track[int(5.5 * FPS), EMOTIONS.index("angry")] > 0.99
    step = np.abs(np.diff(track, axis=0)).max()
    assert step < 0.14  # a 0.6 s (15-frame) raised-cosine fade: the steepest step is 2 / 15
    offsets = emotion_offsets(tl, np.zeros((track.shape[0], N_EXPR), np.float32), FPS)
    assert np.abs(np.diff(offsets, axis=0)).max() < 0.14
    assert np.abs(np.diff(offsets, 2, axis=0)).max() < 0.03  # no kinks either


# --- learned statistics -------------------------------------------------------------------------

def test_fit_emotion_stats_recovers_per_speaker_offsets(tmp_path):
    rng = np.random.default_rng(0)
    smile = np.zeros(N_EXPR)
    smile[[IDX["mouthSmileLeft"], IDX["mouthSmileRight"]]] = 0.4
    clips = []
    for speaker, base in (("M003", 0.1), ("W011", 0.3)):  # different identities / resting faces
        rest = np.full(N_EXPR, base)
        for _ in range(3):
            clips.append((speaker, "neutral", rest + 0.02 * rng.standard_normal((40, N_EXPR))))
            clips.append((speaker, "happy", rest + smile + 0.02 * rng.standard_normal((40, N_EXPR))))
    stats = fit_emotion_stats(clips)
    happy = EMOTIONS.index("happy")
    np.testing.assert_allclose(stats.mean[happy], smile, atol=0.02)
    assert stats.count[happy] == 240 and stats.count[EMOTIONS.index("sad")] == 0
    stats.save(tmp_path / "stats.npz")
    model = EmotionModel.from_stats(tmp_path / "stats.npz")
    np.testing.assert_allclose(model.prototypes[happy], smile, atol=0.02)
    np.testing.assert_array_equal(model.prototypes[EMOTIONS.index("sad")], EmotionModel.default().prototypes[EMOTIONS.index("sad")])


def test_bad_statistics_file_is_a_weights_error(tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, mean=np.zeros((3, 4)))
    with pytest.raises(WeightsError):
        EmotionStats.load(bad)
    with pytest.raises(WeightsError):
        EmotionStats.load(tmp_path / "missing.npz")


@pytest.mark.parametrize("kw", [dict(voice_smooth_s=float("nan")), dict(voice_smooth_s=-0.1), dict(silent_keep=1.5),
                                dict(silent_db=-10.0, voiced_db=-20.0)])
def test_bad_emotion_config_is_a_config_error(kw):
    from tritalk.motion.emotion import EmotionConfig

    with pytest.raises(ConfigError):
        EmotionConfig(**kw)
