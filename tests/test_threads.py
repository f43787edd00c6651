"""One loaded TalkingHead serves several threads at once and gives the same frames as calls in sequence."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from tritalk import TalkingHead, TritalkConfig
from tritalk.io.audio import load_audio
from tritalk.types import AudioClip, Camera, EmotionSpec

JOBS = [dict(emotion=EmotionSpec("happy", 0.7), camera=Camera(yaw=20), seed=1),
        dict(emotion=EmotionSpec("sad", 0.6), camera=Camera(pitch=-10), seed=2)]


def test_two_threads_sharing_one_head_match_two_calls_in_sequence(example_image_path, example_audio_path):
    clip = load_audio(example_audio_path)
    clip = AudioClip(clip.samples[: int(1.6 * clip.sample_rate)], clip.sample_rate)

    def run(head, job):
        result = head.generate(example_image_path, clip, **job)
        return result.motion, np.concatenate(list(result.frames()))

    with TalkingHead.load(config=TritalkConfig(size=128, chunk=8)) as head:
        sequential = [run(head, job) for job in JOBS]
        with ThreadPoolExecutor(max_workers=2) as pool:
            threaded = list(pool.map(lambda job: run(head, job), JOBS))
    for (m_seq, f_seq), (m_thr, f_thr) in zip(sequential, threaded):
        np.testing.assert_array_equal(m_seq.expr, m_thr.expr)
        np.testing.assert_array_equal(m_seq.head, m_thr.head)
        np.testing.assert_array_equal(f_seq, f_thr)
    assert not np.array_equal(sequential[0][1], sequential[1][1])  # the two jobs really differ
