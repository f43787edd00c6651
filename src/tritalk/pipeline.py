"""The one entry point every front end calls: photo + speech (+ emotion, camera) -> Motion + frames -> mp4.

    head = TalkingHead.load(engine="mesh")
    result = head.generate("face.jpg", "speech.wav", emotion=EmotionSpec("happy", 0.6), camera=Camera(yaw=15))
    result.save("talk.mp4")

Stages hand each other objects: image -> Subject (face/), audio -> AudioFeatures (audio/) ->
Motion (motion/), Subject + Motion + CameraPath -> frame chunks (an Engine, engine.py) ->
VideoWriter (io/). Frames are produced lazily in chunks, so memory stays flat with the audio's
length. Only this file knows the order of the stages.

One loaded TalkingHead serves ``generate`` calls from several threads at once: the MediaPipe
graphs are locked (face/analyse.py), everything else it holds is read-only, and each call builds
its own Subject and Engine. Same inputs and seed give the same frames, in any thread.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import numpy as np

import tritalk
from tritalk.audio.features import audio_features
from tritalk.config import TritalkConfig
from tritalk.engine import Engine, engine_class
from tritalk.errors import ConfigError, OutputError
from tritalk.face.analyse import FaceAnalyser, PortraitSegmenter
from tritalk.face.fit import check_head_pose
from tritalk.face.subject import Subject, prepare_subject
from tritalk.io.audio import audio_span, check_span, load_audio  # noqa: F401  (audio_span: public here too)
from tritalk.io.image import focal_35mm as read_focal_35mm
from tritalk.io.image import load_image
from tritalk.io.video import VideoWriter, check_output_path
from tritalk import parallel
from tritalk.motion.blink import blink_track
from tritalk.motion.emotion import EmotionModel
from tritalk.motion.emotion_timeline import emotion_track, parse_emotion
from tritalk.motion.gaze import gaze_track
from tritalk.motion.head import head_track
from tritalk.motion.photo_expression import on_photo
from tritalk.motion.registry import load_speech_generator
from tritalk.types import IDX, AudioClip, Camera, CameraPath, EmotionSpec, EmotionTimeline, Motion

if TYPE_CHECKING:
    from tritalk.live.session import LiveConfig, LiveSession

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (frames done, frames total)
EmotionLike = EmotionSpec | EmotionTimeline | str  # a str is read by motion.emotion_timeline.parse_emotion
ImageLike = str | Path | np.ndarray  # a path, or an RGB uint8 (H, W, 3) array
MOTION_WINDOW_S = 60.0  # long audio is made into motion a minute at a time: memory stays flat with the length
MOTION_OVERLAP_S = 2.0  # each side: longer than G_m's receptive field and a head turn, so the cross-fade is smooth
GOOD_VIEW = (45.0, 25.0)  # |yaw|, |pitch| [deg] beyond which mostly the completed (never seen) side of the head shows


@dataclass
class Result:
    """A generated clip: the Motion, the soundtrack and the engine that renders it, lazily."""

    subject: Subject
    motion: Motion
    audio: AudioClip
    path: CameraPath
    engine: Engine
    config: TritalkConfig

    @property
    def n_frames(self) -> int:
        return len(self.motion)

    def frames(self, progress: Progress | None = None) -> Iterator[np.ndarray]:
        """Chunks (B, S, S, 3) uint8 of the clip, in order."""
        n, chunk = self.n_frames, self.config.chunk
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            frames = self.engine.render(self.motion, self.path, start, stop)
            if progress:
                progress(stop, n)
            yield frames

    def save(self, path: str | Path, overwrite: bool = False, progress: Progress | None = None) -> Path:
        """Encode to an H.264 + AAC mp4, atomically (a temp file renamed at the end)."""
        path = check_output(path, overwrite)
        size = self.subject.size
        with VideoWriter(path, size, size, self.motion.fps, self.audio) as writer:
            pending = None  # chunk k is encoded (parallel.start: a daemon thread) while chunk k + 1 renders
            try:
                for chunk in self.frames(progress):
                    if pending is not None:
                        pending.result()
                    pending = parallel.start(writer.write, chunk, name="tritalk-encode")
                if pending is not None:
                    pending.result()
            finally:  # a render error or Ctrl-C: the writer is not left mid-write when it cleans up
                if pending is not None:
                    pending.wait()
        return path

    def export_glb(self, path: str | Path, overwrite: bool = False, head=None) -> Path:
        """The fitted, textured head with the 52 ARKit blendshapes as morph targets and this clip's animation
        (morph weights, head pose, gaze) as a glTF 2.0 binary (.glb); the soundtrack beside it (same stem,
        .wav). ``head`` (an export.gltf.HeadMesh) replaces the default: the subject's fitted face with the mesh
        engine's full head around it (``full_head``; the triplane engine's mesh render's), else the face alone
        (``face_head``). See export/gltf.py."""
        from tritalk.export.gltf import face_head, full_head, write_glb

        path = check_output_path(path, overwrite, suffixes=(".glb",), what="--export-glb")
        check_output_path(path.with_suffix(".wav"), overwrite, suffixes=(".wav",), what="the .glb's soundtrack")
        if head is None:
            mesh = getattr(self.engine, "mesh", self.engine)  # (the triplane engine draws over a mesh engine's frame)
            head = full_head(mesh) if getattr(mesh, "head", None) is not None else face_head(self.subject,
                                                                                            self.config.mesh)
        return write_glb(path, head, self.motion, self.audio)


def check_output(path: str | Path, overwrite: bool = False) -> Path:
    """Fail before any work if the output cannot be written (tritalk writes H.264 + AAC .mp4)."""
    return check_output_path(path, overwrite)


class TalkingHead:
    """Loaded models (face landmarker, segmenter, speech -> motion model, emotion model), reused across calls
    and threads. Build with ``TalkingHead.load(engine=..., config=...)``; close (or use ``with``) when done."""

    def __init__(self, config: TritalkConfig = TritalkConfig()):
        self.config = config
        self.engine_cls = engine_class(config.engine)
        # models that can fail on a user's path load first, before the MediaPipe graphs (which must be closed)
        self.speech = load_speech_generator(config.motion.model, post=config.motion.post)
        stats = config.motion.emotion_stats
        emotion_model = EmotionModel.from_stats(stats) if stats else EmotionModel.default()
        self.emotion_model = dataclasses.replace(emotion_model, config=config.motion.emotion)
        self.analyser = FaceAnalyser()
        self.segmenter = PortraitSegmenter()

    @classmethod
    def load(cls, engine: str | None = None, config: TritalkConfig | None = None) -> "TalkingHead":
        config = config or TritalkConfig()
        if engine is not None and engine != config.engine:
            config = dataclasses.replace(config, engine=engine)
        return cls(config)

    def close(self) -> None:
        self.analyser.close()
        self.segmenter.close()

    def __enter__(self) -> "TalkingHead":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def subject(self, image: ImageLike, face: int | None = None, size: int | None = None,
                focal_35mm: float | None = None) -> Subject:
        """Analyse and fit a portrait once (the slow part of a photo: ~0.3 s). ``focal_35mm``: the lens of the
        camera that took it (read from a file's EXIF when not given; an array has none)."""
        name = f"'{image}'" if not isinstance(image, np.ndarray) else "the image"
        rgb = load_image(image) if not isinstance(image, np.ndarray) else image
        lens = focal_35mm if focal_35mm is not None or isinstance(image, np.ndarray) else read_focal_35mm(image)
        subject = prepare_subject(rgb, size or self.config.size, self.analyser, face=face, name=name,
                                  segmenter=self.segmenter, fit_config=self.config.fit, focal_35mm=lens)
        check_head_pose(subject.fit, name)  # a heavy profile: say the angle and the range that works
        return subject

    def motion(self, audio: AudioClip, emotion: EmotionLike = EmotionSpec(), seed: int = 0,
               base: np.ndarray | None = None, progress: Progress | None = None, lip_gap: float = 0.0) -> Motion:
        """Speech mouth + emotion (per region; lips stay speech-driven) + head pose + gaze + blinks, for a
        portrait whose own expression is ``base`` (52,) (default: a neutral face). The performance is made
        as a change from the portrait, then put on it (``motion/photo_expression.py``): a smiling photo
        keeps its smile, except where an emotion that cannot smile takes it back. ``lip_gap`` [cm] is the
        portrait's own inner-lip gap (``Subject.lip_gap``): an open-mouthed photo's lips close at rest.

        Long audio is made in windows of ``MOTION_WINDOW_S`` that overlap by ``MOTION_OVERLAP_S`` and are
        cross-faded there, so the memory this takes does not grow with the audio (only the Motion itself,
        ~0.3 kB a frame, does). ``progress(frames done, frames total)`` is called after each window."""
        cfg = self.config
        n_frames = max(1, math.ceil(audio.duration * cfg.fps - 1e-6))
        emotion = parse_emotion(emotion) if isinstance(emotion, str) else emotion
        track = emotion_track(emotion, n_frames, cfg.fps)  # (T, 8), for the whole clip: timelines are in seconds
        base = np.zeros(len(IDX), np.float32) if base is None else np.asarray(base, np.float32)
        window, overlap = round(MOTION_WINDOW_S * cfg.fps), round(MOTION_OVERLAP_S * cfg.fps)
        if n_frames <= window + overlap:  # one window: the whole clip at once
            motion = self._motion_window(audio, track, seed, base, lip_gap=lip_gap)
            if progress:
                progress(n_frames, n_frames)
            return motion
        expr = np.empty((n_frames, len(IDX)), np.float32)
        head, gaze = np.empty((n_frames, 6), np.float32), np.empty((n_frames, 2), np.float32)
        closure = np.zeros(n_frames, np.float32)
        done = 0  # frames [0, done) are final; [done, reach) hold the previous window's tail to fade from
        reach = 0
        for k, start in enumerate(range(0, n_frames, window)):
            lo, hi = max(0, start - overlap), min(n_frames, start + window + overlap)
            a, b = round(lo / cfg.fps * audio.sample_rate), round(hi / cfg.fps * audio.sample_rate)
            clip = AudioClip(audio.samples[a:b], audio.sample_rate)
            part = self._motion_window(clip, track[lo:hi], _window_seed(seed, k), base, n_frames=hi - lo,
                                       lip_gap=lip_gap)
            fields = [(expr, part.expr), (head, part.head), (gaze, part.gaze),
                      (closure, part.lip_closure if part.lip_closure is not None else np.zeros(hi - lo, np.float32))]
            fade = np.clip((np.arange(lo, hi) - lo + 0.5) / max(1, reach - lo), 0.0, 1.0) if reach > lo else None
            for whole, new in fields:
                if fade is None:
                    whole[lo:hi] = new
                else:  # cross-fade the overlap with the previous window, then take this one's frames
                    m = reach - lo
                    f = fade[:m].reshape(-1, *([1] * (new.ndim - 1)))
                    whole[lo:reach] = (1 - f) * whole[lo:reach] + f * new[:m]
                    whole[reach:hi] = new[m:]
            done, reach = min(n_frames, start + window), hi
            if progress:
                progress(done, n_frames)
        return Motion(np.clip(expr, 0, 1), head, gaze, cfg.fps, base=base, lip_closure=np.clip(closure, 0, 1),
                      emotion=track)

    def _motion_window(self, audio: AudioClip, track: np.ndarray, seed: int, base: np.ndarray,
                       n_frames: int | None = None, lip_gap: float = 0.0) -> Motion:
        """The Motion of one stretch of audio with its emotion track (T, 8)."""
        cfg, mcfg = self.config, self.config.motion
        n_frames = len(track) if n_frames is None else n_frames
        feats = audio_features(audio, cfg.fps, n_frames, cfg.audio)
        speech = self.speech.generate(feats, seed=seed)
        change = speech.expr + self.emotion_model.offsets(track, speech.expr, cfg.fps, feats.column("loudness"),
                                                          lip_closure=speech.lip_closure)
        change = np.clip(change, 0, 1).astype(np.float32)
        blinks = blink_track(n_frames, cfg.fps, mcfg.blink_rate, seed, mcfg.blink, emotion=track)  # (T,)
        for name in ("eyeBlinkLeft", "eyeBlinkRight"):
            change[:, IDX[name]] = np.maximum(change[:, IDX[name]], blinks)
        head = head_track(n_frames, cfg.fps, feats, track, amount=mcfg.head_motion, seed=seed, config=mcfg.head)
        gaze = gaze_track(n_frames, cfg.fps, feats, track, head=head, seed=seed, config=mcfg.gaze)
        return Motion(on_photo(change, base, track, lip_gap, speech.lip_closure), head, gaze, cfg.fps, base=base,
                      lip_closure=speech.lip_closure, emotion=track)

    def generate(self, image: ImageLike, audio: str | Path | AudioClip, emotion: EmotionLike = EmotionSpec(),
                 camera: Camera | CameraPath = Camera(), seed: int = 0, face: int | None = None,
                 motion: Motion | None = None, start: float = 0.0, end: float | None = None,
                 progress: Progress | None = None, hair: str | None = None) -> Result:
        """Everything up to the frames, which the Result renders lazily (``frames()``, ``save()``).
        ``motion`` renders a saved or edited Motion instead of making one from the audio. ``start`` /
        ``end`` [s] take part of the audio (the video starts at ``start``). ``progress`` follows the
        motion of long audio (frames done, total). ``hair`` (the mesh engine's turned views: auto, long,
        over_ears, short; ``HeadConfig.hair``) for this photo, over the config's."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ConfigError(f"seed {seed} is invalid; use a whole number >= 0")
        engine_config = self.config.engine_config()
        full_head = isinstance(engine_config, type(self.config.mesh)) and engine_config.full_head
        if hair is not None:
            head_config = dataclasses.replace(self.config.mesh.head, hair=hair)  # (a bad name: a one-line error)
            if full_head:
                engine_config = dataclasses.replace(engine_config, head=head_config)
        said = self.config.mesh.head.hair if hair is None else hair
        if said != "auto" and not full_head:
            logger.warning("hair '%s' shapes the mesh engine's full head only; the %s ignores it", said,
                           "2.5D sheet (--no-full-head)" if self.config.engine == "mesh" else
                           f"{self.config.engine} engine")
        check_span(start, end)
        path = CameraPath.of(camera)  # the one place a Camera becomes a path
        clip = audio if isinstance(audio, AudioClip) else load_audio(audio, max_seconds=end)
        clip = audio_span(clip, start, end)
        if motion is not None:
            check_motion(motion, clip, self.config.fps)
        subject = self.subject(image, face=face)
        if motion is None:
            motion = self.motion(clip, emotion, seed, base=subject.ref_expr, progress=progress,
                                 lip_gap=subject.lip_gap)
        if abs(path.base.yaw) > GOOD_VIEW[0] or abs(path.base.pitch) > GOOD_VIEW[1]:
            logger.warning("views beyond about %g deg yaw / %g deg pitch show mostly the completed (never seen) "
                           "side of the head; expect smooth skin and hair textured from the photo's colours there",
                           *GOOD_VIEW)
        engine = self.engine_cls(subject, engine_config)
        return Result(subject, motion, clip, path, engine, self.config)

    def live(self, image: ImageLike, emotion: EmotionLike = EmotionSpec(), camera: Camera = Camera(),
             size: int | None = None, seed: int = 0, face: int | None = None, config: "LiveConfig | None" = None
             ) -> "LiveSession":
        """A live session (``live/session.py``): push audio chunks as they arrive, get ``(timestamp, frame)``
        as soon as each frame can be made; emotion and camera can change while it runs."""
        from tritalk.live.session import LiveConfig, LiveSession

        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ConfigError(f"seed {seed} is invalid; use a whole number >= 0")
        subject = self.subject(image, face=face, size=size)
        engine = self.engine_cls(subject, self.config.engine_config())
        return LiveSession(self, subject, engine, emotion=emotion, camera=camera, seed=seed,
                           config=config or LiveConfig())


def _window_seed(seed: int, k: int) -> int:
    """The seed of the k-th motion window: the clip's own for the first (short clips are unchanged), then
    a different stream per window (blinks and head sway do not repeat every minute)."""
    return seed if k == 0 else int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


def check_motion(motion: Motion, audio: AudioClip, fps: float) -> None:
    """A given Motion must match the output's frame rate and the audio's length (within one frame)."""
    if not math.isclose(motion.fps, fps):
        raise ConfigError(f"the motion is at {motion.fps:g} fps but the output is {fps:g} fps; "
                          f"use --fps {motion.fps:g}")
    if abs(motion.duration - audio.duration) > 1.0 / fps + 1e-6:
        raise ConfigError(f"the motion lasts {motion.duration:.2f} s but the audio {audio.duration:.2f} s; "
                          "use the audio the motion was made from")


def run_record(config: TritalkConfig, **inputs) -> dict:
    """What reproduces a result: the version, the whole config tree and the inputs (files by name and
    SHA-256; emotion and camera as dataclasses)."""
    def describe(v):
        if isinstance(v, (str, Path)) and Path(v).is_file():
            with open(v, "rb") as f:
                return {"path": str(v), "sha256": hashlib.file_digest(f, "sha256").hexdigest()}
        if dataclasses.is_dataclass(v):
            return dataclasses.asdict(v)
        return v if isinstance(v, (int, float, str, type(None))) else repr(v)

    return {"tritalk": tritalk.__version__, "inputs": {k: describe(v) for k, v in inputs.items()},
            "config": config.to_dict()}


def save_run_record(path: str | Path, config: TritalkConfig, **inputs) -> None:
    """Write ``run_record`` as JSON, atomically (a temp file renamed)."""
    path = Path(path)
    text = json.dumps(run_record(config, **inputs), indent=2, default=str) + "\n"
    tmp = path.with_name(f".tritalk-{path.name}.tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write the run record '{path}' ({e.strerror}); free some space or pass "
                          "--no-record") from None


def generate(image: ImageLike, audio: str | Path | AudioClip, output: str | Path,
             emotion: EmotionLike = EmotionSpec(), camera: Camera | CameraPath = Camera(), seed: int = 0,
             config: TritalkConfig = TritalkConfig(), overwrite: bool = False, face: int | None = None,
             motion: Motion | None = None, progress: Progress | None = None, start: float = 0.0,
             end: float | None = None) -> Result:
    """One call: files in, mp4 out. Returns the Result (with its Motion)."""
    check_output(output, overwrite)
    with TalkingHead.load(config=config) as head:
        result = head.generate(image, audio, emotion=emotion, camera=camera, seed=seed, face=face, motion=motion,
                               start=start, end=end)
        result.save(output, overwrite=overwrite, progress=progress)
    return result
