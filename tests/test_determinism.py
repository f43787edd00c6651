"""Same inputs + seed -> identical Motion and frames; another seed changes blinks/head only."""

from __future__ import annotations

import numpy as np

from tritalk.config import TritalkConfig
from tritalk.io.audio import load_audio
from tritalk.pipeline import TalkingHead
from tritalk.types import IDX, AudioClip

MOUTH = [i for n, i in IDX.items() if n.startswith(("jaw", "mouth"))]


def test_same_seed_same_frames_other_seed_other_blinks(example_image_path, example_audio_path):
    clip = load_audio(example_audio_path)
    clip = AudioClip(clip.samples[: 6 * clip.sample_rate], clip.sample_rate)
    with TalkingHead.load(config=TritalkConfig(size=128)) as head:
        a = head.generate(example_image_path, clip, seed=3)
        b = head.generate(example_image_path, clip, seed=3)
        c = head.generate(example_image_path, clip, seed=4)
        np.testing.assert_array_equal(a.motion.expr, b.motion.expr)
        np.testing.assert_array_equal(a.motion.head, b.motion.head)
        fa, fb = next(a.frames()), next(b.frames())
        np.testing.assert_array_equal(fa, fb)
    np.testing.assert_array_equal(a.motion.expr[:, MOUTH], c.motion.expr[:, MOUTH])  # lip sync is seed-free
    blink = IDX["eyeBlinkLeft"]
    assert not np.array_equal(a.motion.expr[:, blink], c.motion.expr[:, blink])
    assert not np.array_equal(a.motion.head, c.motion.head)
