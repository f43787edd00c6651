"""Shared types: the ARKit coefficient space, Motion, Camera, EmotionSpec.

Conventions (written once, here):
  * Expression = the 52 ARKit blendshape coefficients in [0, 1], float32, columns in
    ``BLENDSHAPES`` order (Apple's ARKit / Live Link Face order).
  * ``Motion.head`` angles are radians; ``Camera`` angles are degrees.
  * Head yaw > 0 turns the nose towards image right (the subject's own left),
    pitch > 0 lifts the chin, roll > 0 turns the head counter-clockwise on screen.
"""

from __future__ import annotations

import csv
import json
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from tritalk.errors import ConfigError, InputError

BLENDSHAPES: tuple[str, ...] = (
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft",
    "eyeSquintLeft", "eyeWideLeft",
    "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight",
    "eyeSquintRight", "eyeWideRight",
    "jawForward", "jawLeft", "jawRight", "jawOpen",
    "mouthClose", "mouthFunnel", "mouthPucker", "mouthLeft", "mouthRight",
    "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft", "mouthFrownRight",
    "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthPressLeft", "mouthPressRight", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthUpperUpLeft", "mouthUpperUpRight",
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "noseSneerLeft", "noseSneerRight",
    "tongueOut",
)
IDX: dict[str, int] = {name: i for i, name in enumerate(BLENDSHAPES)}
N_EXPR = len(BLENDSHAPES)  # 52

EMOTIONS: tuple[str, ...] = (
    "neutral", "angry", "contempt", "disgusted", "fearful", "happy", "sad", "surprised",
)


MOTION_FORMAT = "tritalk.motion/2"  # written into .npz files; /1 (before 0.2) held offsets and no base


def _float_array(d, key: str, path: Path) -> np.ndarray:
    if key not in d:
        raise InputError(f"motion file '{path}' has no '{key}' array; use a .npz written by "
                         "Motion.save_npz or `tritalk generate --motion-out FILE.npz`")
    return np.asarray(d[key], np.float32)


@dataclass(frozen=True)
class Motion:
    """A clip of facial animation at a frame rate, in **absolute** ARKit coefficients.

    ``expr`` is what the face shows in each frame, as ARKit / Live Link Face would record it (a
    neutral face is all zeros, a full smile has mouthSmileLeft/Right near 1), not a change from
    the portrait. ``base`` is the portrait's own expression, the face the motion was made for at
    rest (all zeros for a neutral face): the speech, emotion and blinks were added on top of it,
    so ``expr - base`` is the performance. An engine renders ``expr`` against its subject's own
    expression (``Subject.ref_expr``); rendered on the portrait it was made for, frames where
    ``expr == base`` show the photo as it is. ``rebase`` carries a performance over to another
    portrait's expression.
    """

    expr: np.ndarray  # (T, 52) float32 in [0, 1], absolute, columns in BLENDSHAPES order
    head: np.ndarray  # (T, 6) yaw, pitch, roll [rad]; tx, ty, tz [face-model units, cm]
    gaze: np.ndarray  # (T, 2) horizontal, vertical eye rotation [rad], > 0 = image right / up
    fps: float
    base: np.ndarray | None = None
    """(52,) float32 in [0, 1]: the portrait's own expression (None = a neutral face, all zeros)."""
    lip_closure: np.ndarray | None = None
    """(T,) in [0, 1]: where the speech model shut the lips (/p b m/); later stages (emotion) keep them shut."""
    emotion: np.ndarray | None = None
    """(T, 8) emotion weights per frame (EMOTIONS order, rows sum to 1; the pipeline's emotion track). Engines
    that condition on the emotion label (the tri-plane engine's M_e) read it; None = neutral."""

    def __post_init__(self):  # fail at the boundary, not three stages later
        if self.base is None:
            object.__setattr__(self, "base", np.zeros(N_EXPR, np.float32))
        for name in ("expr", "head", "gaze", "base", "lip_closure", "emotion"):  # float32: saved and loaded exactly
            a = getattr(self, name)
            if a is not None:
                try:
                    object.__setattr__(self, name, np.asarray(a, np.float32))
                except (TypeError, ValueError):
                    raise InputError(f"Motion.{name} must be an array of numbers") from None
        if self.expr.ndim != 2 or self.expr.shape[1] != N_EXPR:
            raise InputError(f"Motion.expr must be (T, {N_EXPR}), got {self.expr.shape}")
        t = self.expr.shape[0]
        if self.head.shape != (t, 6):
            raise InputError(f"Motion.head must be ({t}, 6), got {self.head.shape}")
        if self.gaze.shape != (t, 2):
            raise InputError(f"Motion.gaze must be ({t}, 2), got {self.gaze.shape}")
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise InputError(f"Motion.fps must be > 0, got {self.fps}")
        if self.base.shape != (N_EXPR,):
            raise InputError(f"Motion.base must be ({N_EXPR},), got {self.base.shape}")
        if self.lip_closure is not None and self.lip_closure.shape != (t,):
            raise InputError(f"Motion.lip_closure must be ({t},), got {self.lip_closure.shape}")
        if self.emotion is not None and self.emotion.shape != (t, len(EMOTIONS)):
            raise InputError(f"Motion.emotion must be ({t}, {len(EMOTIONS)}), got {self.emotion.shape}")
        for name in ("expr", "head", "gaze", "base", "lip_closure", "emotion"):
            if getattr(self, name) is not None and not np.all(np.isfinite(getattr(self, name))):
                raise InputError(f"Motion.{name} has NaN or infinite values")
        for name in ("expr", "base"):
            a = getattr(self, name)
            if a.size and (a.min() < -1e-6 or a.max() > 1 + 1e-6):
                raise InputError(f"Motion.{name} must hold ARKit coefficients in [0, 1], "
                                 f"got values in [{a.min():.3f}, {a.max():.3f}]")

    def __len__(self) -> int:
        return self.expr.shape[0]

    @property
    def duration(self) -> float:
        return len(self) / self.fps

    @classmethod
    def still(cls, n_frames: int, fps: float, base: np.ndarray | None = None) -> "Motion":
        """A motionless clip: the portrait's own expression ``base`` (default neutral), frontal head."""
        base = np.zeros(N_EXPR, np.float32) if base is None else np.asarray(base, np.float32)
        return cls(np.tile(base, (n_frames, 1)), np.zeros((n_frames, 6), np.float32),
                   np.zeros((n_frames, 2), np.float32), fps, base=base)

    def rebase(self, base: np.ndarray) -> "Motion":
        """The same performance on a portrait whose own expression is ``base`` (52,): each frame's change
        from this motion's base is added to the new one (clipped to [0, 1])."""
        base = np.asarray(base, np.float32)
        expr = np.clip(base + (self.expr - self.base), 0.0, 1.0).astype(np.float32)
        return replace(self, expr=expr, base=base)

    def save_npz(self, path: str | Path) -> None:
        """Every field, exactly (float32): ``Motion.load_npz`` gives back an equal Motion."""
        extra = {k: getattr(self, k) for k in ("lip_closure", "emotion") if getattr(self, k) is not None}
        with open(path, "wb") as f:  # np.savez would append .npz to a name without it
            np.savez(f, format=np.array(MOTION_FORMAT), expr=self.expr, head=self.head, gaze=self.gaze,
                     fps=np.array(self.fps, np.float64), base=self.base, blendshapes=np.array(BLENDSHAPES), **extra)

    @classmethod
    def load_npz(cls, path: str | Path) -> "Motion":
        path = Path(path)
        try:
            d = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            raise InputError(f"motion file '{path}' does not exist; give the .npz that --motion-out wrote") from None
        except (OSError, ValueError) as e:
            raise InputError(f"motion file '{path}' is not a readable .npz ({e}); give the .npz that "
                             "--motion-out wrote") from None
        with d:
            try:
                fmt = str(d["format"]) if "format" in d else "tritalk.motion/1"
                if fmt == "tritalk.motion/1":
                    raise InputError(f"motion file '{path}' was saved before tritalk 0.2 (offsets from the photo, "
                                     "without its expression); render it again and save it with this version")
                if fmt != MOTION_FORMAT:
                    raise InputError(f"motion file '{path}' is in format '{fmt}', not {MOTION_FORMAT}; "
                                     "save it with this version of tritalk")
                names = tuple(str(n) for n in d["blendshapes"]) if "blendshapes" in d else BLENDSHAPES
                if names != BLENDSHAPES:
                    raise InputError(f"motion file '{path}' has other blendshape columns than ARKit's 52; "
                                     "save it with Motion.save_npz")
                closure = np.asarray(d["lip_closure"], np.float32) if "lip_closure" in d else None
                emotion = np.asarray(d["emotion"], np.float32) if "emotion" in d else None
                if "fps" not in d:
                    raise InputError(f"motion file '{path}' has no 'fps'; use a .npz written by Motion.save_npz")
                return cls(_float_array(d, "expr", path), _float_array(d, "head", path),
                           _float_array(d, "gaze", path), float(d["fps"]), base=_float_array(d, "base", path),
                           lip_closure=closure, emotion=emotion)
            except (KeyError, ValueError, TypeError, OSError, zipfile.BadZipFile) as e:
                raise InputError(f"motion file '{path}' is damaged ({e}); use a .npz written by "
                                 "Motion.save_npz") from None

    def save_arkit_csv(self, path: str | Path) -> None:
        """Live Link Face layout: Timecode, BlendShapeCount, the 52 shapes (absolute values, as recorded
        on a phone), head yaw/pitch/roll [rad], then left and right eye yaw/pitch/roll [rad] (from gaze)."""
        eye_cols = [f"{side}Eye{a}" for side in ("Left", "Right") for a in ("Yaw", "Pitch", "Roll")]
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["Timecode", "BlendShapeCount", *[n[0].upper() + n[1:] for n in BLENDSHAPES],
                        "HeadYaw", "HeadPitch", "HeadRoll", *eye_cols])
            for i in range(len(self)):
                secs = i / self.fps
                tc = f"{int(secs // 3600):02d}:{int(secs // 60) % 60:02d}:{int(secs) % 60:02d}:{i % max(1, round(self.fps)):02d}"
                eye = [self.gaze[i, 0], self.gaze[i, 1], 0.0]
                w.writerow([tc, N_EXPR, *[f"{v:.5f}" for v in self.expr[i]],
                            *[f"{v:.5f}" for v in self.head[i, :3]], *[f"{v:.5f}" for v in eye + eye]])


PORTRAIT_DISTANCE_CM = 100.0  # a portrait photographer's distance: the viewer's where the photo's camera is unknown


@dataclass(frozen=True)
class Camera:
    """The viewer's camera, relative to the portrait's own camera. Angles in degrees.

    yaw > 0 moves the camera towards the subject's right (the face turns towards image right
    on screen); pitch > 0 moves the camera down (the chin lifts); roll > 0 rotates the image
    counter-clockwise;
    zoom > 1 enlarges the picture about its centre.
    ``distance`` [cm] is how far the viewer is from the head: it sets the perspective of a turned
    view. None (the default) is the photo's own camera's distance, so a turned view has the photo's
    perspective: from the lens its EXIF records (``Subject.camera_distance``), else 100 cm, a portrait
    photographer's (a turned head keeps its proportions). 35 cm is a phone selfie's: the side that turns
    towards the viewer grows, by over a third at 60 deg. ``distance_cm`` resolves it.
    ``fov`` [deg] is the horizontal field of view at that distance: None keeps the portrait's own
    framing (the head as large as in the photo's crop); a value frames the head as a camera with
    that field of view at ``distance`` would (smaller = the head fills more of the frame).
    """

    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    zoom: float = 1.0
    distance: float | None = None
    fov: float | None = None

    def __post_init__(self):
        # (a NaN fails every range check below)
        if not -90.0 <= self.yaw <= 90.0:
            raise ConfigError(f"yaw {self.yaw} is out of range; use a value in [-90, 90] degrees")
        if not -60.0 <= self.pitch <= 60.0:
            raise ConfigError(f"pitch {self.pitch} is out of range; use a value in [-60, 60] degrees")
        if not -180.0 <= self.roll <= 180.0:
            raise ConfigError(f"roll {self.roll} is out of range; use a value in [-180, 180] degrees")
        if not 0.25 <= self.zoom <= 4.0:
            raise ConfigError(f"zoom {self.zoom} is out of range; use a value in [0.25, 4]")
        if self.distance is not None and not 15.0 <= self.distance <= 1000.0:
            raise ConfigError(f"camera distance {self.distance} cm is out of range; use 15 to 1000 cm")
        if self.fov is not None and not (np.isfinite(self.fov) and 5.0 <= self.fov <= 120.0):
            raise ConfigError(f"field of view {self.fov} deg is out of range; use 5 to 120 degrees")

    def distance_cm(self, photo: float | None) -> float:
        """The viewer's distance [cm]: ``distance``, or where that is None the photo camera's (``photo``, from its
        EXIF; None: unknown) or else ``PORTRAIT_DISTANCE_CM``."""
        if self.distance is not None:
            return float(self.distance)
        return float(photo) if photo is not None else PORTRAIT_DISTANCE_CM


@dataclass(frozen=True)
class CameraPath:
    """A viewer camera over time: a base Camera plus a named motion or keyframes.

    kind: "static", "orbit" (yaw sweeps +-amplitude, period seconds), "nod" (pitch +-amplitude/2),
    "sway" (slow small yaw + pitch drift), or "keyframes" (linear between (t, Camera) pairs).
    """

    base: Camera = Camera()
    kind: str = "static"
    amplitude: float = 30.0  # degrees
    period: float = 6.0  # seconds
    keyframes: tuple[tuple[float, Camera], ...] = ()

    KINDS = ("static", "orbit", "nod", "sway", "keyframes")

    def __post_init__(self):
        if self.kind not in self.KINDS:
            raise ConfigError(f"unknown camera path '{self.kind}'; use one of orbit, nod, sway or a .json file")
        if self.kind == "keyframes" and not self.keyframes:
            raise ConfigError("a keyframe camera path needs at least one keyframe")

    @classmethod
    def of(cls, camera: "Camera | CameraPath") -> "CameraPath":
        """The pipeline's boundary: a Camera becomes a static path; a path stays as it is."""
        if isinstance(camera, CameraPath):
            return camera
        if isinstance(camera, Camera):
            return cls(camera)
        raise ConfigError(f"camera must be a Camera or a CameraPath, got {type(camera).__name__}")

    @property
    def is_static(self) -> bool:
        return self.kind == "static"

    def at(self, t: float) -> Camera:
        """The camera at time ``t`` [s]; distance and field of view come from ``base``."""
        b = self.base
        phase = 2 * np.pi * t / self.period
        if self.kind == "orbit":
            return replace(b, yaw=float(np.clip(b.yaw + self.amplitude * np.sin(phase), -90, 90)))
        if self.kind == "nod":
            return replace(b, pitch=float(np.clip(b.pitch + 0.5 * self.amplitude * np.sin(phase), -60, 60)))
        if self.kind == "sway":
            return replace(b, yaw=float(np.clip(b.yaw + 0.3 * self.amplitude * np.sin(0.5 * phase), -90, 90)),
                           pitch=float(np.clip(b.pitch + 0.15 * self.amplitude * np.sin(0.8 * phase + 1.0), -60, 60)))
        if self.kind == "keyframes":
            times = np.array([k[0] for k in self.keyframes])
            vals = np.array([[k[1].yaw, k[1].pitch, k[1].roll, k[1].zoom] for k in self.keyframes])
            v = [float(np.interp(t, times, vals[:, i])) for i in range(4)]
            return replace(b, yaw=v[0] + b.yaw, pitch=v[1] + b.pitch, roll=v[2] + b.roll, zoom=v[3] * b.zoom)
        return b

    @classmethod
    def parse(cls, spec: str | None, base: Camera = Camera()) -> "CameraPath":
        """'orbit' | 'nod' | 'sway' | 'static' | PATH.json ([{"t": s, "yaw": .., "pitch": .., "roll": .., "zoom": ..}, ...])."""
        if spec is None or spec == "static":
            return cls(base)
        if spec in ("orbit", "nod", "sway"):
            return cls(base, spec)
        path = Path(spec)
        if path.suffix.lower() != ".json":
            raise ConfigError(f"--camera '{spec}' is not a path name; use orbit, nod, sway or a .json keyframe file")
        try:
            data = json.loads(path.read_text())
            for k in data:
                unknown = sorted(set(k) - {"t", "yaw", "pitch", "roll", "zoom"})
                if unknown:
                    raise ConfigError(f"camera file '{spec}': unknown keyframe key '{unknown[0]}'; use t, yaw, pitch, "
                                      "roll, zoom (distance and field of view: --distance, --fov)")
            frames = tuple(sorted(((float(k.get("t", 0.0)), Camera(float(k.get("yaw", 0.0)), float(k.get("pitch", 0.0)),
                                                                      float(k.get("roll", 0.0)), float(k.get("zoom", 1.0))))
                                   for k in data), key=lambda kf: kf[0]))
        except OSError as e:
            raise ConfigError(f"cannot read camera file '{spec}': {e.strerror}; give a readable .json file") from None
        except (ValueError, TypeError, AttributeError) as e:
            raise ConfigError(f"camera file '{spec}' is not a list of keyframes like "
                              f'[{{"t": 0, "yaw": -30}}, {{"t": 4, "yaw": 30}}] ({e})') from None
        path_ = cls(base, "keyframes", keyframes=frames)
        for t, _ in frames:  # the path is linear between keyframes: its extremes are at them
            try:
                path_.at(t)
            except ConfigError as e:
                raise ConfigError(f"camera file '{spec}' at t={t:g} s, added to --yaw/--pitch/--roll/--zoom: {e}") from None
        return path_


def check_per_emotion(owner: str, **tables) -> None:
    """Config tables indexed by emotion must have one entry per MEAD emotion (EMOTIONS order)."""
    for name, values in tables.items():
        if len(values) != len(EMOTIONS):
            raise ConfigError(f"{owner}.{name} needs one entry per emotion ({len(EMOTIONS)}: {', '.join(EMOTIONS)}), "
                              f"got {len(values)}")


@dataclass(frozen=True)
class EmotionSpec:
    """One of the 8 MEAD emotions with an intensity in [0, 1], or a mixture of them.

    ``mixture`` (optional) holds ``(name, weight)`` pairs with weights summing to 1 (e.g. what a
    free-text description was mapped to, ``text``); ``name`` is then its strongest emotion.
    """

    name: str = "neutral"
    intensity: float = 0.5
    mixture: tuple[tuple[str, float], ...] = ()
    text: str | None = None

    def __post_init__(self):
        if self.name not in EMOTIONS:
            raise ConfigError(f"unknown emotion '{self.name}'; choose one of: {', '.join(EMOTIONS)}")
        if not 0.0 <= self.intensity <= 1.0:
            raise ConfigError(f"intensity {self.intensity} is out of range; use a value in [0, 1]")
        for name, w in self.mixture:
            if name not in EMOTIONS or not 0.0 <= w <= 1.0:
                raise ConfigError(f"mixture entry ({name!r}, {w}) is invalid; use MEAD names and weights in [0, 1]")
        if self.mixture and abs(sum(w for _, w in self.mixture) - 1.0) > 1e-3:
            raise ConfigError("mixture weights must sum to 1")

    def weights(self) -> np.ndarray:
        """(8,) weight of each emotion (EMOTIONS order): intensity x mixture share; neutral gets the rest."""
        w = np.zeros(len(EMOTIONS))
        for name, share in (self.mixture or ((self.name, 1.0),)):
            w[EMOTIONS.index(name)] += self.intensity * share
        w[0] = 0.0
        w[0] = 1.0 - w.sum()
        return w

    def describe(self) -> str:
        if not self.mixture:
            return f"{self.name} {self.intensity:.2f}"
        parts = ", ".join(f"{n} {w:.2f}" for n, w in sorted(self.mixture, key=lambda p: -p[1]) if w >= 0.005)
        return f"{parts} (intensity {self.intensity:.2f})"


@dataclass(frozen=True)
class EmotionTimeline:
    """Emotions over time: ``(EmotionSpec, start_s, end_s)`` segments (end may be ``inf``), not
    overlapping; gaps are neutral; neighbours cross-fade over ``transition_s`` seconds."""

    segments: tuple[tuple[EmotionSpec, float, float], ...]
    transition_s: float = 0.6

    def __post_init__(self):
        if not self.segments:
            raise ConfigError("an emotion timeline needs at least one segment, e.g. 'happy:0-'")
        if not 0.0 <= self.transition_s <= 10.0:
            raise ConfigError(f"transition {self.transition_s} s is out of range; use 0 to 10 seconds")

    def describe(self) -> str:
        return ", ".join(f"{s.describe()} {a:g}-{'' if b == float('inf') else f'{b:g}'} s"
                         for s, a, b in self.segments)


@dataclass(frozen=True)
class AudioClip:
    """Mono float32 PCM in [-1, 1]."""

    samples: np.ndarray  # (N,) float32
    sample_rate: int

    @property
    def duration(self) -> float:
        return self.samples.shape[0] / self.sample_rate
