"""A Motion holds absolute ARKit values: a smiling photo's neutral render exports its smile; an emotion
that cannot smile takes it back. Real photos of one person, neutral and smiling (tests/data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tritalk import EmotionSpec, TalkingHead, TritalkConfig
from tritalk.io.audio import load_audio
from tritalk.types import IDX, AudioClip

DATA = Path(__file__).parent / "data"
SMILE = [IDX["mouthSmileLeft"], IDX["mouthSmileRight"]]


@pytest.fixture(scope="module")
def motions(example_audio_path):
    clip = load_audio(example_audio_path)
    clip = AudioClip(clip.samples[: 3 * clip.sample_rate], clip.sample_rate)
    out = {}
    with TalkingHead.load(config=TritalkConfig(size=256)) as head:
        for photo in ("neutral", "smiling"):
            subject = head.subject(DATA / f"london_025_female_black_{photo}_450.jpg")
            for emotion in ("neutral", "sad"):
                out[photo, emotion] = head.motion(clip, EmotionSpec(emotion, 0.8), seed=0, base=subject.ref_expr)
    return out


def test_smiling_photo_exports_its_smile_as_absolute_values(motions, tmp_path):
    import csv

    smile = {}
    for photo in ("neutral", "smiling"):
        motions[photo, "neutral"].save_arkit_csv(tmp_path / f"{photo}.csv")
        rows = list(csv.DictReader(open(tmp_path / f"{photo}.csv")))
        smile[photo] = np.mean([(float(r["MouthSmileLeft"]) + float(r["MouthSmileRight"])) / 2 for r in rows])
    assert smile["smiling"] > smile["neutral"] + 0.3, smile


def test_base_is_the_photo_and_sad_takes_the_smile_back(motions):
    smiling, neutral_photo = motions["smiling", "neutral"], motions["neutral", "neutral"]
    assert smiling.base[SMILE].mean() > neutral_photo.base[SMILE].mean() + 0.3
    kept = motions["smiling", "neutral"].expr[:, SMILE].mean()
    sad = motions["smiling", "sad"].expr[:, SMILE].mean()
    assert sad < kept - 0.2, (sad, kept)
