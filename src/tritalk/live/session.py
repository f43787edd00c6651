"""A live session: audio chunks in as they arrive, ``(timestamp, frame)`` out as soon as each can be made.

    session = head.live("face.jpg", emotion="happy", size=256)   # pipeline.TalkingHead.live
    frames = session.push(pcm_chunk, 48000)   # any chunk size, any rate, float in [-1, 1] or int16
    session.set_emotion("sad"); session.set_camera(Camera(yaw=15))
    frames += session.finish()                 # end of stream: the frames still held back by the lookahead

Frame ``t`` shows the audio of ``[t / fps, (t + 1) / fps)`` and has ``timestamp = t / fps`` on the audio's
clock (seconds since the session's first sample), so the two clocks cannot drift apart: after ``N`` samples
at ``rate`` exactly ``floor((N / rate - lookahead_s) * fps)`` frames have come out. A frame waits for
``lookahead_s`` of audio past its own interval: the causal features' (``causal_features.py``, 32.5 ms) plus
G_m's ``lookahead`` frames (``online_speech.py``, 2 frames = 80 ms by default). The frames depend only on
the audio samples, never on how they were cut into chunks. ``push`` does the work in the caller's thread
and returns the frames that became ready; one session serves one stream (not thread-safe).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tritalk.errors import AudioError, ConfigError
from tritalk.live.causal_features import CausalFeatures
from tritalk.live.online_motion import OnlineMotion
from tritalk.live.online_speech import OnlineSpeech
from tritalk.live.resample import StreamResampler
from tritalk.types import Camera, EmotionSpec, EmotionTimeline, Motion

if TYPE_CHECKING:
    from tritalk.engine import Engine
    from tritalk.face.subject import Subject
    from tritalk.pipeline import TalkingHead


@dataclass(frozen=True)
class LiveConfig:
    lookahead: int = 2
    """Frames of future audio G_m's attention sees (2 = 80 ms). Correlation of the live jawOpen with the
    offline one over 8 clips (the bundled example + 7 GRID): mean 0.90 with 0 frames, 0.91 with 1, 0.92 with 2
    and 0.91 with 3 (docs/live.md): the features' normalisation costs more than the short lookahead."""
    vad_lookahead: int = 0
    """Analysis frames (10 ms) the voice-activity hangover looks ahead (offline: 5, centred); 0-2 measure
    alike (docs/live.md), 0 is the shortest wait."""
    history_s: float = 60.0
    """Running reference level and noise floor over at most this much past audio."""
    transition_s: float = 0.5
    """An emotion change eases in over this long (raised cosine)."""
    render: bool = True
    """False: motion only (``LiveFrame.image`` is None), for measuring the motion alone."""

    def __post_init__(self):
        if self.lookahead < 0 or self.vad_lookahead < 0 or self.history_s <= 0 or self.transition_s < 0:
            raise ConfigError("live lookahead and vad_lookahead must be >= 0, history_s > 0, transition_s >= 0")


@dataclass(frozen=True)
class LiveFrame:
    index: int
    timestamp: float  # [s] start of the frame's audio interval, on the audio's clock
    image: np.ndarray | None  # (S, S, 3) uint8
    expr: np.ndarray  # (52,) absolute ARKit expression shown
    head: np.ndarray  # (6,)
    gaze: np.ndarray  # (2,)


class LiveSession:
    def __init__(self, head: "TalkingHead", subject: "Subject", engine: "Engine",
                 emotion: EmotionSpec | EmotionTimeline | str = EmotionSpec(), camera: Camera = Camera(),
                 seed: int = 0, config: LiveConfig = LiveConfig()):
        cfg = head.config
        self.fps, self.config, self.subject, self.engine = float(cfg.fps), config, subject, engine
        self.features = CausalFeatures(cfg.fps, cfg.audio, config.vad_lookahead, config.history_s)
        self.speech = OnlineSpeech(head.speech, cfg.fps, config.lookahead)
        self.motion_layer = OnlineMotion(head.emotion_model, cfg.motion, cfg.fps, subject.ref_expr, emotion, seed,
                                         config.transition_s, lip_gap=subject.lip_gap)
        self.camera = self._check_camera(camera)
        self.lookahead_s = self.features.lookahead_s + config.lookahead / self.fps
        self._resampler: StreamResampler | None = None
        self._rows: list[np.ndarray] = []  # feature rows waiting for the speech lookahead
        self._samples = 0
        self._frames = 0
        self._finished = False
        self._log: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (expr, head, gaze) per frame

    @staticmethod
    def _check_camera(camera: Camera) -> Camera:
        if not isinstance(camera, Camera):
            raise ConfigError(f"a live camera must be a Camera (set_camera changes it on the fly), "
                              f"got {type(camera).__name__}")
        return camera

    @property
    def audio_seconds(self) -> float:
        """Audio pushed so far [s]."""
        return self._samples / self._resampler.rate_in if self._resampler else 0.0

    @property
    def frames_out(self) -> int:
        return self._frames

    def set_emotion(self, emotion: EmotionSpec | EmotionTimeline | str) -> None:
        """The emotion from the next frame on (eased in over ``LiveConfig.transition_s``)."""
        self.motion_layer.set_emotion(emotion)

    def set_camera(self, camera: Camera) -> None:
        """The viewer's camera from the next frame on."""
        self.camera = self._check_camera(camera)

    def push(self, samples: np.ndarray, rate: int) -> list[LiveFrame]:
        """Audio that just arrived: (N,) mono, float in [-1, 1] or int16 PCM, at ``rate`` Hz (the same rate
        for the whole session). Returns the frames that became ready, in order."""
        if self._finished:
            raise ConfigError("the live session has finished; start a new one with TalkingHead.live")
        x = np.asarray(samples)
        if x.ndim != 1:
            raise AudioError(f"live audio must be mono (N,), got shape {x.shape}; mix the channels down first")
        if x.dtype == np.int16:
            x = x.astype(np.float64) / 32768.0
        x = np.asarray(x, np.float64)
        if not np.all(np.isfinite(x)):
            raise AudioError("the live audio holds NaN or infinite samples; send plain PCM")
        if self._resampler is None:
            self._resampler = StreamResampler(rate, self.features.sr)
        elif rate != self._resampler.rate_in:
            raise AudioError(f"the sample rate changed from {self._resampler.rate_in} to {rate} Hz within a "
                             "session; resample before pushing or start a new session")
        self._samples += x.shape[0]
        return self._advance(self.features.push(self._resampler.push(x)), final=False)

    def finish(self) -> list[LiveFrame]:
        """End of the stream: the frames still waiting for lookahead audio (filled with silence), up to
        ``ceil(audio_seconds * fps)`` frames in all, as offline."""
        if self._finished or self._resampler is None:
            self._finished = True
            return []
        total = math.ceil(round(self.audio_seconds * self.fps, 6))
        tail = self._resampler.flush()
        pad = np.zeros(int(math.ceil((self.features.lookahead_s + 2.0 / self.fps) * self.features.sr)))
        rows = self.features.push(np.concatenate([tail, pad]))
        self._finished = True
        return self._advance(rows, final=True, limit=total)

    def _advance(self, rows, final: bool, limit: int | None = None) -> list[LiveFrame]:
        made = []
        for row, vector in rows:
            self._rows.append(row)
            made += self.speech.push(row, vector)
        if final:
            made += self.speech.finish()
        out = []
        for speech_expr, closure in made:
            row = self._rows.pop(0)
            if limit is not None and self._frames >= limit:
                break
            expr, head, gaze, _ = self.motion_layer.step(speech_expr, closure, row)
            image = self.engine.render_frame(expr, head, self.camera, gaze) if self.config.render else None
            out.append(LiveFrame(self._frames, self._frames / self.fps, image, expr, head, gaze))
            self._log.append((expr, head, gaze))
            self._frames += 1
        return out

    def motion(self) -> Motion:
        """The Motion of the frames made so far (what a recording of the session would hold)."""
        n = len(self._log)
        expr = np.stack([e for e, _, _ in self._log]) if n else np.zeros((0, 52), np.float32)
        head = np.stack([h for _, h, _ in self._log]) if n else np.zeros((0, 6), np.float32)
        gaze = np.stack([g for _, _, g in self._log]) if n else np.zeros((0, 2), np.float32)
        return Motion(expr, head, gaze, self.fps, base=np.asarray(self.subject.ref_expr, np.float32))
