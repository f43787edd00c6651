"""eval/baselines.py: the v1 ridge map refitted on clips learns the jaw from the speech; a still mouth stays still."""

from __future__ import annotations

import numpy as np

from tritalk.audio.features import audio_features
from tritalk.eval.baselines import StillMouth, fit_v1, v1_degrade, v1_targets
from tritalk.eval.motion_metrics import pearson
from tritalk.motion.speech import MOUTH_TARGETS, SpeechMotion, SpeechMotionConfig
from tritalk.types import IDX, AudioClip

from eval_helpers import measured_clip  # noqa: F401  (fixture)


def test_still_mouth_is_still(measured_clip):
    feats = audio_features(AudioClip(measured_clip["audio"], 16000), 25.0)
    m = StillMouth().generate(feats)
    assert len(m) == len(feats) and not m.expr.any() and not m.head.any()


def test_v1_refit_follows_the_measured_jaw(measured_clip):
    other = dict(measured_clip, id="clip1", audio=measured_clip["audio"][::-1].copy(),
                 expr=measured_clip["expr"][::-1].copy())  # a second clip: the same speech backwards
    w = fit_v1([measured_clip, other], alpha=30.0)
    assert w.weights.shape[1] == len(MOUTH_TARGETS) and w.info["clips"] == ["clip0", "clip1"]
    model = SpeechMotion(SpeechMotionConfig(), w)
    feats = audio_features(AudioClip(measured_clip["audio"], 16000), 25.0, n_frames=75)
    jaw = model.generate(feats).expr[:, IDX["jawOpen"]]
    assert pearson(jaw, v1_targets(measured_clip["expr"])[:, 0]) > 0.5


def test_v1_degradations_are_seeded():
    x = np.random.default_rng(0).normal(size=16000).astype(np.float32) * 0.1
    tel = v1_degrade(x, 16000, "telephone")
    assert tel.sample_rate == 8000 and len(tel.samples) == 8000
    assert np.array_equal(v1_degrade(x, 16000, "noise", seed=3).samples, v1_degrade(x, 16000, "noise", seed=3).samples)
    assert not np.array_equal(v1_degrade(x, 16000, "noise", seed=3).samples, v1_degrade(x, 16000, "noise", 4).samples)
