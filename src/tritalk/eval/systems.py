"""The systems ``tritalk eval`` compares, each made from a clip's first frame and its own audio.

    systems = make_systems(engines=("mesh",), baselines=("still", "loudness", "v1"), config=TritalkConfig(size=256))
    frames = systems[0].frames(reference_rgb, audio, Camera(yaw=30))     # (T, S, S, 3) uint8, the face crop

  <engine>   every registered engine (engine.py) driven by G_m, tritalk's default speech model: what users get
  v1         the mesh engine driven by the v1 linear speech model (motion/speech.py)
  loudness   the mesh engine with the jaw opened by loudness alone (LoudnessJaw): a speech-free mouth
  still      the reference held still for the whole clip (the photo's own crop at the front view; the mesh
             engine with the photo's expression and a still head at other views); audio kept

Apart from the mouth, v1 and loudness get the same blinks, head motion and gaze as the engine systems
(same seed): only the speech model differs, so a mouth metric compares mouths.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from tritalk.config import TritalkConfig
from tritalk.engine import engine_entry, engine_names
from tritalk.errors import ConfigError
from tritalk.types import IDX, N_EXPR, AudioClip, Camera, Motion

BASELINES = ("still", "loudness", "v1")
LOUDNESS_JAW_MAX = 0.35  # a plainly open jaw in speech; set once, not tuned on any clip
LOUDNESS_FLOOR_DB = -30.0  # loudness (features.py: dB re the clip's 95th percentile) at which the jaw starts to open


class LoudnessJaw:
    """Speech generator baseline: jawOpen rises linearly with loudness from LOUDNESS_FLOOR_DB to 0 dB, only
    while voice is active; nothing else moves. The simplest audio-driven mouth there is."""

    name = "loudness"

    def generate(self, features, seed: int = 0) -> Motion:
        n = len(features)
        loud = features.column("loudness")
        vad = features.column("vad")
        jaw = np.clip((loud - LOUDNESS_FLOOR_DB) / -LOUDNESS_FLOOR_DB, 0, 1) * np.clip(vad, 0, 1) * LOUDNESS_JAW_MAX
        expr = np.zeros((n, N_EXPR), np.float32)
        expr[:, IDX["jawOpen"]] = jaw
        return Motion(expr, np.zeros((n, 6), np.float32), np.zeros((n, 2), np.float32), features.fps)


class System:
    """A named way to make the clip's frames. ``frames`` returns (T, S, S, 3) uint8 in the Subject's crop."""

    def __init__(self, name: str, config: TritalkConfig, speech: str | object = "gm", still: bool = False):
        self.name, self.config, self.speech, self.still = name, config, speech, still
        self._head = None

    def head(self):
        if self._head is None:
            from tritalk.pipeline import TalkingHead

            model = self.speech if isinstance(self.speech, str) else "gm"
            cfg = dataclasses.replace(self.config, motion=dataclasses.replace(self.config.motion, model=model))
            self._head = TalkingHead(cfg)
            if not isinstance(self.speech, str):
                self._head.speech = self.speech  # a baseline speech generator in place of G_m
        return self._head

    def frames(self, reference: np.ndarray, audio: AudioClip, camera: Camera = Camera()) -> np.ndarray:
        head = self.head()
        if self.still:
            subject = head.subject(reference)
            n = max(1, int(np.ceil(audio.duration * self.config.fps - 1e-6)))
            if camera == Camera():
                return np.repeat(subject.image[None], n, axis=0)
            base = subject.ref_expr.astype(np.float32)
            motion = Motion(np.repeat(base[None], n, 0), np.zeros((n, 6), np.float32), np.zeros((n, 2), np.float32),
                            self.config.fps, base=base)
            result = head.generate(reference, audio, camera=camera, motion=motion)
        else:
            result = head.generate(reference, audio, camera=camera)
        return np.concatenate(list(result.frames()), axis=0)

    def close(self) -> None:
        if self._head is not None:
            self._head.close()
            self._head = None


def make_systems(engines: Sequence[str], baselines: Sequence[str], config: TritalkConfig) -> list[System]:
    """Engines first (each with G_m), then the baselines in the order given; unknown names: ConfigError."""
    for e in engines:
        engine_entry(e)  # an unknown engine fails here, listing the registered ones
    for b in baselines:
        if b not in BASELINES:
            raise ConfigError(f"unknown baseline '{b}'; choose from: {', '.join(BASELINES)}")
    if not engines and not baselines:
        raise ConfigError(f"nothing to evaluate; give --engines (registered: {', '.join(engine_names())}) "
                          f"or --baselines ({', '.join(BASELINES)})")
    mesh = dataclasses.replace(config, engine="mesh")
    out = [System(e, dataclasses.replace(config, engine=e)) for e in engines]
    for b in baselines:
        if b == "still":
            out.append(System("still", mesh, still=True))
        elif b == "loudness":
            out.append(System("loudness", mesh, speech=LoudnessJaw()))
        else:
            out.append(System("v1", mesh, speech="v1"))
    return out
