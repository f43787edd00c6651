"""The one entry point every front end calls: photo + speech (+ emotion, camera) -> Motion + frames -> mp4.

    head = TalkingHead.load(engine="mesh")
    result = head.generate("face.jpg", "speech.wav", emotion=EmotionSpec("happy", 0.6), camera=Camera(yaw=15))
    result.save("talk.mp4")

Stages hand each other objects: image -> Subject (face/), audio -> AudioFeatures (audio/) ->
Motion (motion/), Subject + Motion + Camera -> frames (render/) -> VideoWriter (io/).
Frames are produced lazily in chunks, so memory stays flat with the audio's length.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from tritalk.audio.features import audio_features
from tritalk.config import GenerateConfig
from tritalk.errors import ConfigError
from tritalk.face.analyse import FaceAnalyser, PortraitSegmenter
from tritalk.face.fit import check_head_pose
from tritalk.face.subject import Subject, prepare_subject
from tritalk.io.media import VideoWriter, check_output_path, load_audio, load_image
from tritalk.motion.blink import apply_blinks
from tritalk.motion.emotion import EmotionModel, emotion_track, parse_emotion, photo_smile_weight
from tritalk.motion.gaze import gaze_track
from tritalk.motion.head import head_track
from tritalk.motion.generator import load_speech_generator
from tritalk.render.mesh_engine import MeshEngine
from tritalk.types import AudioClip, Camera, CameraPath, EmotionSpec, EmotionTimeline, Motion

logger = logging.getLogger(__name__)

ENGINES = {"mesh": MeshEngine}
Progress = Callable[[int, int], None]  # (frames done, frames total)
EmotionLike = EmotionSpec | EmotionTimeline | str  # a str is read by motion.emotion.parse_emotion


@dataclass
class Result:
    subject: Subject
    motion: Motion
    audio: AudioClip
    camera: Camera | CameraPath
    engine: MeshEngine
    chunk: int

    @property
    def n_frames(self) -> int:
        return len(self.motion)

    def frames(self, progress: Progress | None = None) -> Iterator[np.ndarray]:
        """Chunks (B, S, S, 3) uint8 of the clip, in order."""
        n = self.n_frames
        for start in range(0, n, self.chunk):
            stop = min(start + self.chunk, n)
            chunk = np.stack(list(self.engine.render_motion(self.motion, self.camera, start, stop)))
            if progress:
                progress(stop, n)
            yield chunk

    def save(self, path: str | Path, overwrite: bool = False, progress: Progress | None = None) -> Path:
        """Encode to an H.264 + AAC mp4, atomically (a temp file renamed at the end)."""
        path = check_output(path, overwrite)
        size = self.subject.size
        with VideoWriter(path, size, size, self.motion.fps, self.audio) as writer:
            for chunk in self.frames(progress):
                writer.write(chunk)
        return path


def check_output(path: str | Path, overwrite: bool = False) -> Path:
    """Fail before any work if the output cannot be written (tritalk writes H.264 + AAC .mp4)."""
    return check_output_path(path, overwrite)


class TalkingHead:
    """Loaded models (face landmarker, motion generator, engine class), reused across calls."""

    def __init__(self, engine: str = "mesh", config: GenerateConfig = GenerateConfig()):
        if engine not in ENGINES:
            raise ConfigError(f"unknown engine '{engine}'; choose one of: {', '.join(ENGINES)}")
        self.engine_cls = ENGINES[engine]
        self.config = config
        # models that can fail on a user's path load first, before the MediaPipe graphs (which must be closed)
        self.speech = load_speech_generator(config.motion_model)
        self.emotion_model = EmotionModel.default()  # or EmotionModel.from_stats(path): learned prototypes
        self.analyser = FaceAnalyser()
        self.segmenter = PortraitSegmenter()

    @classmethod
    def load(cls, engine: str = "mesh", config: GenerateConfig = GenerateConfig()) -> "TalkingHead":
        return cls(engine, config)

    def close(self) -> None:
        self.analyser.close()
        self.segmenter.close()

    def __enter__(self) -> "TalkingHead":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def subject(self, image: str | Path | np.ndarray, face: int | None = None, size: int | None = None) -> Subject:
        name = f"'{image}'" if not isinstance(image, np.ndarray) else "the image"
        rgb = load_image(image) if not isinstance(image, np.ndarray) else image
        subject = prepare_subject(rgb, size or self.config.size, self.analyser, face=face, name=name,
                                  segmenter=self.segmenter)
        check_head_pose(subject.fit, name)  # a heavy profile: say the angle and the range that works
        return subject

    def motion(self, audio: AudioClip, emotion: EmotionLike = EmotionSpec(), seed: int = 0) -> Motion:
        """Speech mouth + emotion (per region, lips stay speech-driven) + head pose + gaze + blinks;
        ``Motion.photo_smile``: emotions that cannot smile take a smiling portrait's smile back."""
        cfg = self.config
        n_frames = max(1, math.ceil(audio.duration * cfg.fps - 1e-6))
        feats = audio_features(audio, cfg.fps, n_frames)
        speech = self.speech.generate(feats, seed=seed)
        emotion = parse_emotion(emotion) if isinstance(emotion, str) else emotion
        track = emotion_track(emotion, n_frames, cfg.fps)  # (T, 8)
        expr = speech.expr + self.emotion_model.offsets(track, speech.expr, cfg.fps, feats.column("loudness"),
                                                        lip_closure=speech.lip_closure)
        head = head_track(n_frames, cfg.fps, feats, track, amount=cfg.head_motion, seed=seed)
        gaze = gaze_track(n_frames, cfg.fps, feats, track, head=head, seed=seed)
        motion = Motion(np.clip(expr, 0, 1).astype(np.float32), head, gaze, cfg.fps, lip_closure=speech.lip_closure,
                        photo_smile=photo_smile_weight(track))
        return apply_blinks(motion, cfg.blink_rate, seed, emotion=track)

    def generate(self, image: str | Path | np.ndarray, audio: str | Path | AudioClip,
                 emotion: EmotionLike = EmotionSpec(), camera: Camera | CameraPath = Camera(), seed: int = 0,
                 face: int | None = None, motion: Motion | None = None) -> Result:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ConfigError(f"seed {seed} is invalid; use a whole number >= 0")
        clip = audio if isinstance(audio, AudioClip) else load_audio(audio)
        subject = self.subject(image, face=face)
        if motion is None:
            motion = self.motion(clip, emotion, seed)
        elif not math.isclose(motion.fps, self.config.fps):
            raise ConfigError(f"motion is at {motion.fps} fps but the output is {self.config.fps} fps; "
                              "use the same frame rate")
        base = camera.base if isinstance(camera, CameraPath) else camera
        if abs(base.yaw) > 45 or abs(base.pitch) > 25:
            logger.warning("views beyond about 45 deg yaw / 25 deg pitch show the synthesised side of the head; "
                           "expect stretching")
        engine = self.engine_cls(subject, self.config.engine)
        return Result(subject, motion, clip, camera, engine, self.config.chunk)


def generate(image, audio, output, emotion: EmotionLike = EmotionSpec(), camera: Camera = Camera(),
             seed: int = 0, config: GenerateConfig = GenerateConfig(), overwrite: bool = False,
             face: int | None = None, progress: Progress | None = None) -> Result:
    """One call: files in, mp4 out. Returns the Result (with its Motion)."""
    check_output(output, overwrite)
    with TalkingHead.load(config=config) as head:
        result = head.generate(image, audio, emotion=emotion, camera=camera, seed=seed, face=face)
        result.save(output, overwrite=overwrite, progress=progress)
    return result

