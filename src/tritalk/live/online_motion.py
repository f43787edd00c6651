"""Everything around the mouth, online: emotion, blinks, head, gaze, put on the photo, one frame at a time.

Contract: ``OnlineMotion(emotion_model, motion_config, fps, base, emotion, seed).step(speech_expr, closure,
row) -> (expr (52,), head (6,), gaze (2,))`` for the next frame, from that frame's speech mouth
(``online_speech.py``) and causal feature row (``causal_features.py``); ``set_emotion`` changes the
emotion from the next frame on, through a ``transition_s`` raised-cosine ramp.

Offline (pipeline.TalkingHead.motion) each layer sees the whole clip; here only the past:
  * emotion: ``EmotionModel.offsets`` on the last ``window`` frames, the newest row taken (its
    smoothing is one-sided at the newest frame);
  * blinks and gaze fixations do not depend on the audio: seeded tracks precomputed for ``horizon_s``
    blocks (a new seed per block); blink rate and gaze saccades do not follow the emotion live (the
    gaze's emotional offset and the eyes' counter-rotation against the head do);
  * head: the offline idle sway (same seeded sinusoids), a new yaw/roll offset eased in at each phrase
    start detected online (voice after >= ``pause_s`` of silence), the chin dipping on loud stretches
    (a causal loudness envelope instead of the offline stressed-syllable nods), emotion energy and posture.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from tritalk.audio.features import FEATURE_NAMES
from tritalk.config import MotionConfig
from tritalk.motion.blink import blink_track
from tritalk.motion.emotion import EmotionModel
from tritalk.motion.emotion_timeline import emotion_track, parse_emotion
from tritalk.motion.gaze import gaze_track
from tritalk.motion.head import emotion_energy
from tritalk.motion.photo_expression import on_photo
from tritalk.types import IDX, EmotionSpec, EmotionTimeline

_VAD, _LOUD = FEATURE_NAMES.index("vad"), FEATURE_NAMES.index("loudness")


def emotion_vector(emotion: EmotionSpec | EmotionTimeline | str, fps: float, horizon: int = 1) -> np.ndarray:
    """(T, 8) emotion weights: a constant row for an EmotionSpec, a timeline's track (from the session's start)."""
    emotion = parse_emotion(emotion) if isinstance(emotion, str) else emotion
    return emotion_track(emotion, horizon, fps).astype(np.float64)


class OnlineMotion:
    def __init__(self, emotion_model: EmotionModel, config: MotionConfig, fps: float, base: np.ndarray,
                 emotion: EmotionSpec | EmotionTimeline | str = EmotionSpec(), seed: int = 0,
                 transition_s: float = 0.5, window: int = 25, horizon_s: float = 60.0, lip_gap: float = 0.0):
        self.model, self.config, self.fps, self.seed = emotion_model, config, float(fps), int(seed)
        self.base = np.asarray(base, np.float32)
        self.lip_gap = float(lip_gap)  # the photo's inner-lip gap [cm]: an open mouth closes at rest (on_photo)
        self.transition = max(1, int(round(transition_s * fps)))
        self.window = window
        self.block = max(1, int(round(horizon_s * fps)))
        self._t = 0
        self._hist: deque = deque(maxlen=window)  # (speech expr, closure, loudness, emotion row)
        self._blocks: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._emotion_from = 0
        self._make_block(0)  # here, not in the first frame's time budget (it costs ~20 ms a minute of track)
        self._emotion_track = np.zeros((1, 8))
        self._ramp_start: np.ndarray | None = None
        self._current = np.zeros(8)
        self.set_emotion(emotion)
        self._ramp_start = None  # the first emotion holds from the first frame, no ramp
        self._current = self._emotion_row(0)
        # head: the offline idle sway's seeded sinusoids (motion/head.py head_track)
        hc = config.head
        rng = np.random.default_rng(self.seed + 7919)
        self._sway = []
        for _ in range(3):
            freqs = rng.uniform(*hc.sway_hz, 3)
            phases = rng.uniform(0, 2 * np.pi, 3)
            weights = rng.dirichlet(np.ones(3))
            self._sway.append((freqs, phases, weights))
        self._turn_rng = np.random.default_rng(self.seed + 7919 + 1)
        self._turn_from = np.zeros(2)
        self._turn_to = np.zeros(2)
        self._turn_at = -10 ** 9
        self._silent_for = 10 ** 9  # frames of silence so far: the first voice starts a phrase
        self._env = 0.0  # causal loudness envelope and its slow mean
        self._env_mean = 0.0

    # -- emotion ----------------------------------------------------------------------------------
    def set_emotion(self, emotion: EmotionSpec | EmotionTimeline | str) -> None:
        """From the next frame on; a timeline runs from now, in its own seconds."""
        emotion = parse_emotion(emotion) if isinstance(emotion, str) else emotion
        if isinstance(emotion, EmotionTimeline):
            end = max((e for _, _, e in emotion.segments), default=0.0)
            horizon = int(math.ceil(min(end, 3600.0) * self.fps)) + 1
        else:
            horizon = 1
        self._emotion_track = emotion_vector(emotion, self.fps, horizon)
        self._emotion_from = self._t
        self._ramp_start = self._current.copy()

    def _emotion_row(self, t: int) -> np.ndarray:
        k = min(t - self._emotion_from, len(self._emotion_track) - 1)
        target = self._emotion_track[max(k, 0)]
        if self._ramp_start is None:
            return target
        u = min(max((t - self._emotion_from + 1) / self.transition, 0.0), 1.0)
        w = 0.5 - 0.5 * math.cos(math.pi * u)  # raised cosine
        return (1 - w) * self._ramp_start + w * target

    # -- seeded tracks ------------------------------------------------------------------------------
    def _make_block(self, b: int) -> None:
        mc, s = self.config, self.seed + 1009 * b
        blinks = blink_track(self.block, self.fps, mc.blink_rate, s, mc.blink)
        gaze = np.degrees(gaze_track(self.block, self.fps, None, None, None, s, mc.gaze))
        self._blocks = {k: v for k, v in self._blocks.items() if k >= b - 1}  # the current block and the next
        self._blocks[b] = (blinks, gaze)

    def _tracks(self, t: int) -> tuple[float, np.ndarray]:
        b, k = divmod(t, self.block)
        if b not in self._blocks:
            self._make_block(b)
        if k == self.block // 2 and b + 1 not in self._blocks:  # the next block, well before it is due
            self._make_block(b + 1)
        blinks, gaze = self._blocks[b]
        return float(blinks[k]), gaze[k].astype(np.float64)

    def _head(self, t: int, row: np.ndarray, track: np.ndarray) -> np.ndarray:
        hc, fps = self.config.head, self.fps
        s = t / fps
        deg = np.array([hc.sway_deg[a] * float(np.sum(w * np.sin(2 * np.pi * f * s + p))) / 0.6
                        for a, (f, p, w) in enumerate(self._sway)])
        voiced = row[_VAD] > 0.5
        if voiced and self._silent_for >= int(round(hc.pause_s * fps)):  # a phrase starts: settle somewhere new
            self._turn_from = self._turn_offset(t)
            self._turn_to = self._turn_rng.normal(0, hc.turn_deg)
            self._turn_at = t
        self._silent_for = 0 if voiced else self._silent_for + 1
        turn = self._turn_offset(t)
        deg[0] += turn[0]
        deg[2] += turn[1]
        level = float(np.clip((row[_LOUD] + 60.0) / 60.0, 0.0, 1.0)) * float(row[_VAD])
        a_env = 1.0 - math.exp(-1.0 / (0.12 * fps))
        a_mean = 1.0 - math.exp(-1.0 / (5.0 * fps))
        self._env += a_env * (level - self._env)
        self._env_mean += a_mean * (self._env - self._env_mean)
        deg[1] -= hc.nod_deg * 0.75 * (self._env - self._env_mean)
        energy, pose = emotion_energy(track[None], 1, hc)
        deg = deg * energy[0] + pose[0]
        out = np.zeros(6, np.float32)
        out[:3] = np.radians(deg * self.config.head_motion)
        return out

    def _turn_offset(self, t: int) -> np.ndarray:
        u = min(max((t - self._turn_at) / max(self.config.head.turn_s * self.fps, 1.0), 0.0), 1.0)
        w = 0.5 - 0.5 * math.cos(math.pi * u)
        return (1 - w) * self._turn_from + w * self._turn_to

    # -- one frame ------------------------------------------------------------------------------------
    def step(self, speech_expr: np.ndarray, closure: float, row: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(expr (52,) absolute, head (6,), gaze (2,) [rad], emotion row (8,)) of the next frame."""
        t, fps = self._t, self.fps
        track = self._emotion_row(t)
        self._current = track
        self._hist.append((speech_expr, closure, float(row[_LOUD]), track))
        sp = np.stack([h[0] for h in self._hist])
        cl = np.array([h[1] for h in self._hist])
        loud = np.array([h[2] for h in self._hist])
        tr = np.stack([h[3] for h in self._hist])
        change = speech_expr + self.model.offsets(tr, sp, fps, loud, lip_closure=cl)[-1]
        change = np.clip(change, 0.0, 1.0).astype(np.float32)
        blink, gaze_deg = self._tracks(t)
        for name in ("eyeBlinkLeft", "eyeBlinkRight"):
            change[IDX[name]] = max(change[IDX[name]], blink)
        head = self._head(t, row, track)
        gc = self.config.gaze
        gaze_deg = gaze_deg + track @ np.array(gc.offset_deg, np.float64)
        gaze_deg[0] -= gc.vor_gain * math.degrees(head[0])
        gaze_deg[1] -= gc.vor_gain * math.degrees(head[1])
        expr = on_photo(change[None], self.base, track[None].astype(np.float32), self.lip_gap,
                        np.array([closure], np.float32))[0]
        self._t += 1
        return expr, head, np.radians(gaze_deg).astype(np.float32), track.astype(np.float32)
