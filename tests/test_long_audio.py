"""Long audio: motion is made in overlapping windows (flat memory) that join without a seam; --start/--end
render part of the audio."""

from __future__ import annotations

import numpy as np
import pytest

import tritalk.pipeline as pipeline
from tritalk.errors import ConfigError
from tritalk.io.audio import load_audio
from tritalk.pipeline import TalkingHead, audio_span
from tritalk.types import IDX


@pytest.fixture(scope="module")
def head():
    with TalkingHead.load() as h:
        yield h


@pytest.fixture(scope="module")
def clip(example_audio_path):
    return load_audio(example_audio_path)  # 11 s of speech


def test_windowed_motion_matches_the_whole_clip_and_has_no_seams(head, clip, monkeypatch):
    whole = head.motion(clip, "happy", seed=3)
    monkeypatch.setattr(pipeline, "MOTION_WINDOW_S", 3.0)
    monkeypatch.setattr(pipeline, "MOTION_OVERLAP_S", 1.0)
    calls = []
    windowed = head.motion(clip, "happy", seed=3, progress=lambda done, total: calls.append((done, total)))
    assert len(windowed) == len(whole) == 275
    assert calls == [(75, 275), (150, 275), (225, 275), (275, 275)]
    # the mouth follows the same speech (each window sees 1 s of context either side)
    jaw = IDX["jawOpen"]
    assert np.corrcoef(windowed.expr[:, jaw], whole.expr[:, jaw])[0, 1] > 0.9
    assert np.abs(windowed.expr[:, jaw] - whole.expr[:, jaw]).mean() < 0.03
    # no jump where windows meet: the head moves no faster there than the unwindowed head ever does
    step = np.abs(np.diff(windowed.head[:, :3], axis=0)).max(1)
    for seam in (75, 150, 225):
        assert step[seam - 26: seam + 25].max() <= 1.5 * np.abs(np.diff(whole.head[:, :3], axis=0)).max() + 1e-3
    np.testing.assert_array_equal(windowed.base, whole.base)


def test_start_end_render_that_part_of_the_audio(head, example_image_path, example_audio_path, clip):
    result = head.generate(example_image_path, example_audio_path, start=2.0, end=5.0)
    assert result.n_frames == 75
    np.testing.assert_array_equal(result.audio.samples, clip.samples[2 * clip.sample_rate: 5 * clip.sample_rate])
    tail = head.generate(example_image_path, example_audio_path, start=10.0)
    assert tail.n_frames == 25
    with pytest.raises(ConfigError, match="past the end of the audio"):
        audio_span(clip, start=20.0)
    with pytest.raises(ConfigError, match="after start"):
        head.generate(example_image_path, example_audio_path, start=3.0, end=2.0)
