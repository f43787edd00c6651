"""`tritalk bench` (bench.py): the JSON it prints, for the rest view and a turned camera (no timing is asserted:
performance lives in the benchmark's output, not in tests)."""

import pytest

from helpers import speech_excerpt
from tritalk.bench import run_bench
from tritalk.errors import ConfigError


@pytest.fixture(scope="module")
def short_speech(tmp_path_factory, example_audio_path):
    return speech_excerpt(example_audio_path, 0.6, tmp_path_factory.mktemp("bench"))


def test_bench_times_a_turned_camera_and_says_which(short_speech):
    out = run_bench(audio=short_speech, size=128, repeat=1, yaw=30.0, pitch=-10.0)
    assert (out["yaw"], out["pitch"], out["size"]) == (30.0, -10.0, 128)
    assert out["frames"] == 15 and out["render_fps"] > 0 and out["end_to_end_fps"] > 0
    rest = run_bench(audio=short_speech, size=128, repeat=1)
    assert (rest["yaw"], rest["pitch"]) == (0.0, 0.0)


def test_bench_refuses_a_camera_out_of_range(short_speech):
    with pytest.raises(ConfigError):
        run_bench(audio=short_speech, size=128, yaw=120.0)
