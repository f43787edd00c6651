"""End to end on a real portrait + real speech: the OUTPUT video is measured with MediaPipe."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import mouth_open_ratio
from tritalk.config import TritalkConfig
from tritalk.io.audio import load_audio
from tritalk.io.video import probe_video, read_video_frames
from tritalk.pipeline import TalkingHead
from tritalk.types import AudioClip

FPS = 25.0
SPEECH_S = 4.0
SILENCE_S = 1.0


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, example_image_path, example_audio_path, analyser):
    clip = load_audio(example_audio_path)
    speech = clip.samples[: int(SPEECH_S * clip.sample_rate)]
    samples = np.concatenate([speech, np.zeros(int(SILENCE_S * clip.sample_rate), np.float32)])
    audio = AudioClip(samples, clip.sample_rate)
    out = tmp_path_factory.mktemp("e2e") / "talk.mp4"
    with TalkingHead.load(config=TritalkConfig(size=256, fps=FPS)) as head:
        result = head.generate(example_image_path, audio, seed=0)
        result.save(out)
    faces, ratios = [], []
    for frame in read_video_frames(out):
        found = analyser.detect_all(frame)
        faces.append(len(found))
        ratios.append(mouth_open_ratio(found[0].landmarks) if found else np.nan)
    return out, audio, result, np.array(faces), np.array(ratios)


def test_streams_and_duration(rendered):
    out, audio, result, _, _ = rendered
    info = probe_video(out)
    assert info["has_audio"]
    assert (info["width"], info["height"]) == (256, 256)
    assert abs(info["duration"] - audio.duration) <= 1.0 / FPS + 1e-6
    assert abs(info["audio_duration"] - audio.duration) <= 1.0 / FPS + 0.03  # AAC pads a frame


def test_one_face_in_almost_every_frame(rendered):
    faces = rendered[3]
    assert np.mean(faces == 1) >= 0.95


def test_mouth_opens_in_speech_and_closes_in_silence(rendered):
    _, audio, _, _, ratios = rendered
    n_speech = int(SPEECH_S * FPS)
    speech, silence = ratios[:n_speech], ratios[n_speech + 3:]  # 3 frames for the mouth to close
    assert np.nanmean(speech) > 2.0 * np.nanmean(silence) + 0.01
    assert np.nanmax(speech) > 0.08  # visibly open at some point (inner-lip gap > 8 % of eye distance)


def test_mouth_follows_loudness(rendered):
    _, audio, result, _, ratios = rendered
    hop = int(audio.sample_rate / FPS)
    rms = np.array([np.sqrt(np.mean(audio.samples[i * hop:(i + 1) * hop] ** 2) + 1e-12) for i in range(len(ratios))])
    ok = ~np.isnan(ratios)
    r = np.corrcoef(ratios[ok], np.log(rms[ok]))[0, 1]
    assert r > 0.3


def test_the_hair_is_said_per_photo(example_image_path, example_audio_path):
    """``generate(hair=...)`` (the batch's hair column) over the config's reading: the example (short curls) said to
    have long hair gets a turned neck's back of hair; a bad name is one line, before any work."""
    from tritalk.errors import ConfigError

    with TalkingHead.load(config=TritalkConfig(size=128, fps=FPS)) as head:
        with pytest.raises(ConfigError, match="hair 'curly' is unknown"):
            head.generate(example_image_path, example_audio_path, hair="curly", end=0.4)
        hairs = []
        for hair in (None, "long"):
            engine = head.generate(example_image_path, example_audio_path, hair=hair, end=0.4).engine
            p, rest = engine.subject.personal, engine.head.rest
            behind = ((rest[:, 2] < p[[234, 454], 2].mean() - 7.0) & (rest[:, 1] < p[[58, 288], 1].mean())
                      & (rest[:, 1] > p[152, 1] - 4.0))  # the back of the neck, under the ears
            hairs.append(float((engine.head_tex.hair[behind] > 0.5).mean()))
        assert engine.config.head.hair == "long" and head.config.mesh.head.hair == "auto"
        assert hairs[0] < 0.1 < 0.8 < hairs[1], hairs
