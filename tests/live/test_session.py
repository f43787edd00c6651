"""Live sessions: frames in order on the audio's clock, the mouth follows the speech, chunking does not
matter, emotion and camera changes take effect, and the live mouth is the offline one."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tritalk.errors import AudioError, ConfigError
from tritalk.live.resample import StreamResampler
from tritalk.live.session import LiveConfig
from tritalk.types import IDX, AudioClip, Camera, EmotionSpec

FPS = 25.0


@pytest.fixture(scope="module")
def head():
    import torch

    from tritalk.config import TritalkConfig
    from tritalk.pipeline import TalkingHead

    torch.set_num_threads(1)
    with TalkingHead.load(config=TritalkConfig(size=128)) as h:
        yield h


@pytest.fixture(scope="module")
def speech(example_audio_path) -> AudioClip:
    from tritalk.io.audio import load_audio

    return load_audio(example_audio_path, sample_rate=48000)


MOTION_ONLY = LiveConfig(render=False)


def feed(session, samples: np.ndarray, rate: int, sizes) -> list:
    """Push ``samples`` in chunks whose sizes cycle through ``sizes``; then finish."""
    out, i, k = [], 0, 0
    while i < len(samples):
        n = sizes[k % len(sizes)]
        out += session.push(samples[i:i + n], rate)
        i, k = i + n, k + 1
    return out + session.finish()


def test_frames_arrive_in_order_on_the_audio_clock(head, example_image_path, speech):
    clip = speech.samples[: 48000 * 3]
    s = head.live(example_image_path, config=MOTION_ONLY)
    before = []
    for i in range(0, len(clip), 960):
        before += s.push(clip[i:i + 960], 48000)
        # at any moment: the frames whose audio and lookahead have arrived, no more, no fewer
        assert len(before) == max(0, math.floor(round((s.audio_seconds - s.lookahead_s) * FPS, 6)))
    frames = before + s.finish()
    assert [f.index for f in frames] == list(range(75))  # 3 s at 25 fps, none missing, none twice
    assert [f.timestamp for f in frames] == pytest.approx([t / FPS for t in range(75)])


def test_no_drift_after_half_a_minute_fed_in_fast_forward(head, example_image_path, speech):
    seconds = 30
    x = np.tile(speech.samples, math.ceil(seconds * 48000 / len(speech.samples)))[: seconds * 48000]
    s = head.live(example_image_path, config=MOTION_ONLY)
    n = 0
    for i in range(0, len(x), 960):
        n += len(s.push(x[i:i + 960], 48000))
    lag_frames = (s.audio_seconds - s.lookahead_s) * FPS - n  # audio clock - lookahead - frame clock
    assert 0 <= lag_frames < 1
    assert n + len(s.finish()) == seconds * FPS


def test_chunk_size_does_not_change_the_frames(head, example_image_path, speech):
    clip = speech.samples[: 48000 * 2]
    a = feed(head.live(example_image_path), clip, 48000, [960])  # 20 ms
    b = feed(head.live(example_image_path), clip, 48000, [1, 4801, 333, 17, 2000])  # ragged, sometimes tiny
    assert len(a) == len(b) == 50
    for fa, fb in zip(a, b):
        assert fa.timestamp == fb.timestamp
        np.testing.assert_array_equal(fa.expr, fb.expr)
        np.testing.assert_array_equal(fa.image, fb.image)
    assert a[0].image.shape == (128, 128, 3) and a[0].image.dtype == np.uint8


def test_the_mouth_opens_in_speech_and_rests_in_silence(head, example_image_path, speech):
    rate = 48000
    quiet = np.zeros(rate * 2, np.float32)
    x = np.concatenate([quiet, speech.samples[: rate * 4], quiet])
    s = head.live(example_image_path, config=MOTION_ONLY)
    feed(s, x, rate, [960])
    jaw = s.motion().expr[:, IDX["jawOpen"]] - s.subject.ref_expr[IDX["jawOpen"]]
    silence = np.concatenate([jaw[5:45], jaw[-40:]])  # away from the edges of the speech
    talk = jaw[55:145]
    assert np.abs(silence).max() < 0.03
    assert talk.max() > 0.2 and talk.mean() > 4 * max(np.abs(silence).mean(), 0.01)


def test_live_mouth_follows_the_offline_mouth(head, example_image_path, speech):
    s = head.live(example_image_path, config=MOTION_ONLY)
    feed(s, speech.samples, 48000, [960])
    live = s.motion().expr[:, IDX["jawOpen"]]
    offline = head.motion(speech, base=s.subject.ref_expr).expr[:, IDX["jawOpen"]]
    assert len(live) == len(offline)
    assert np.corrcoef(live, offline)[0, 1] >= 0.85


def test_emotion_change_takes_effect(head, example_image_path, speech):
    clip = speech.samples[: 48000 * 4]
    neutral = head.live(example_image_path, config=MOTION_ONLY)
    feed(neutral, clip, 48000, [960])
    s = head.live(example_image_path, config=MOTION_ONLY)
    out = []
    for i in range(0, len(clip), 960):
        if i == 48000 * 2:
            s.set_emotion(EmotionSpec("happy", 0.8))
        out += s.push(clip[i:i + 960], 48000)
    out += s.finish()
    smile = [IDX["mouthSmileLeft"], IDX["mouthSmileRight"]]
    a, b = neutral.motion().expr[:, smile].mean(1), s.motion().expr[:, smile].mean(1)
    np.testing.assert_allclose(a[:40], b[:40], atol=1e-6)  # before the change: the same face
    assert (b[75:] - a[75:]).mean() > 0.2  # half a second after it: smiling
    assert s.set_emotion("sad") is None  # names work too


def test_camera_change_takes_effect(head, example_image_path, speech):
    clip = speech.samples[: 48000]
    s = head.live(example_image_path)
    first = s.push(clip[:24000], 48000)
    s.set_camera(Camera(yaw=25))
    later = s.push(clip[24000:], 48000) + s.finish()
    still = head.live(example_image_path)
    ref = feed(still, clip, 48000, [960])
    for f in first:
        np.testing.assert_array_equal(f.image, ref[f.index].image)
    turned = later[-1]
    assert np.abs(turned.image.astype(int) - ref[turned.index].image).mean() > 5
    with pytest.raises(ConfigError):
        s.set_camera("orbit")


def test_bad_audio_is_one_clear_error(head, example_image_path):
    s = head.live(example_image_path, config=MOTION_ONLY)
    with pytest.raises(AudioError, match="mono"):
        s.push(np.zeros((960, 2)), 48000)
    s.push(np.zeros(960), 48000)
    with pytest.raises(AudioError, match="sample rate changed"):
        s.push(np.zeros(320), 16000)
    with pytest.raises(AudioError, match="NaN"):
        s.push(np.full(10, np.nan), 48000)
    s.finish()
    with pytest.raises(ConfigError, match="finished"):
        s.push(np.zeros(960), 48000)


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000])
def test_resampler_output_does_not_depend_on_the_chunks(rate):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(rate)
    whole = StreamResampler(rate, 8000)
    a = np.concatenate([whole.push(x), whole.flush()])
    parts = StreamResampler(rate, 8000)
    b, i = [], 0
    while i < len(x):
        n = int(rng.integers(1, 3000))
        b.append(parts.push(x[i:i + n]))
        i += n
    b = np.concatenate(b + [parts.flush()])
    np.testing.assert_array_equal(a, b)
    assert len(a) == 8000


def test_resampler_keeps_a_tone_and_removes_what_8khz_cannot_hold():
    t = np.arange(48000) / 48000
    r = StreamResampler(48000, 8000)
    y = np.concatenate([r.push(np.sin(2 * np.pi * 1000 * t) + np.sin(2 * np.pi * 6000 * t)), r.flush()])
    ref = np.sin(2 * np.pi * 1000 * np.arange(8000) / 8000)
    assert np.abs(y[200:-200] - ref[200:-200]).max() < 0.02  # 1 kHz kept in phase, 6 kHz (would alias) gone
