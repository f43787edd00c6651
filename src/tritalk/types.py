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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Motion:
    """A clip of facial animation at a frame rate."""

    expr: np.ndarray  # (T, 52) float32 in [0, 1], columns in BLENDSHAPES order
    head: np.ndarray  # (T, 6) yaw, pitch, roll [rad]; tx, ty, tz [face-model units, cm]
    gaze: np.ndarray  # (T, 2) horizontal, vertical eye rotation [rad], > 0 = image right / up
    fps: float
    lip_closure: np.ndarray | None = None
    """(T,) in [0, 1]: where the speech model shut the lips (/p b m/); later stages (emotion) keep them shut."""
    photo_smile: np.ndarray | None = None
    """(T,) in [0, 1]: how much of the portrait's own smile each frame takes back (``expr`` is an offset
    from the photo's expression; an emotion that cannot smile undoes a smiling photo's smile)."""

    def __post_init__(self):  # fail at the boundary, not three stages later
        t = self.expr.shape[0]
        if self.expr.ndim != 2 or self.expr.shape[1] != N_EXPR:
            raise InputError(f"Motion.expr must be (T, {N_EXPR}), got {self.expr.shape}")
        if self.head.shape != (t, 6):
            raise InputError(f"Motion.head must be ({t}, 6), got {self.head.shape}")
        if self.gaze.shape != (t, 2):
            raise InputError(f"Motion.gaze must be ({t}, 2), got {self.gaze.shape}")
        if not self.fps > 0:
            raise InputError(f"Motion.fps must be > 0, got {self.fps}")
        if self.lip_closure is not None and self.lip_closure.shape != (t,):
            raise InputError(f"Motion.lip_closure must be ({t},), got {self.lip_closure.shape}")
        if self.photo_smile is not None and self.photo_smile.shape != (t,):
            raise InputError(f"Motion.photo_smile must be ({t},), got {self.photo_smile.shape}")

    def __len__(self) -> int:
        return self.expr.shape[0]

    @property
    def duration(self) -> float:
        return len(self) / self.fps

    @classmethod
    def still(cls, n_frames: int, fps: float) -> "Motion":
        """A motionless clip (neutral expression, frontal head)."""
        return cls(np.zeros((n_frames, N_EXPR), np.float32), np.zeros((n_frames, 6), np.float32),
                   np.zeros((n_frames, 2), np.float32), fps)

    def save_npz(self, path: Path) -> None:
        np.savez(path, expr=self.expr, head=self.head, gaze=self.gaze, fps=self.fps,
                 blendshapes=np.array(BLENDSHAPES))

    @classmethod
    def load_npz(cls, path: Path) -> "Motion":
        d = np.load(path)
        return cls(d["expr"].astype(np.float32), d["head"].astype(np.float32),
                   d["gaze"].astype(np.float32), float(d["fps"]))

    def save_arkit_csv(self, path: Path) -> None:
        """Live Link Face style CSV: Timecode, BlendShapeCount, 52 shapes, head yaw/pitch/roll."""
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["Timecode", "BlendShapeCount", *[n[0].upper() + n[1:] for n in BLENDSHAPES],
                        "HeadYaw", "HeadPitch", "HeadRoll"])
            for i in range(len(self)):
                secs = i / self.fps
                tc = f"{int(secs // 3600):02d}:{int(secs // 60) % 60:02d}:{int(secs) % 60:02d}:{i % max(1, round(self.fps)):02d}"
                w.writerow([tc, N_EXPR, *[f"{v:.5f}" for v in self.expr[i]],
                            *[f"{v:.5f}" for v in self.head[i, :3]]])


@dataclass(frozen=True)
class Camera:
    """Viewer camera relative to the portrait's original camera. Degrees.

    yaw > 0 moves the camera towards the subject's left (the face turns towards image right
    on screen); pitch > 0 moves the camera up; roll > 0 rotates the image counter-clockwise.
    """

    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    zoom: float = 1.0

    def __post_init__(self):
        if not -90.0 <= self.yaw <= 90.0:
            raise ConfigError(f"yaw {self.yaw} is out of range; use a value in [-90, 90] degrees")
        if not -60.0 <= self.pitch <= 60.0:
            raise ConfigError(f"pitch {self.pitch} is out of range; use a value in [-60, 60] degrees")
        if not -180.0 <= self.roll <= 180.0:
            raise ConfigError(f"roll {self.roll} is out of range; use a value in [-180, 180] degrees")
        if not 0.25 <= self.zoom <= 4.0:
            raise ConfigError(f"zoom {self.zoom} is out of range; use a value in [0.25, 4]")


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

    def at(self, t: float) -> Camera:
        b = self.base
        phase = 2 * np.pi * t / self.period
        if self.kind == "orbit":
            return Camera(float(np.clip(b.yaw + self.amplitude * np.sin(phase), -90, 90)), b.pitch, b.roll, b.zoom)
        if self.kind == "nod":
            return Camera(b.yaw, float(np.clip(b.pitch + 0.5 * self.amplitude * np.sin(phase), -60, 60)), b.roll, b.zoom)
        if self.kind == "sway":
            return Camera(float(np.clip(b.yaw + 0.3 * self.amplitude * np.sin(0.5 * phase), -90, 90)),
                          float(np.clip(b.pitch + 0.15 * self.amplitude * np.sin(0.8 * phase + 1.0), -60, 60)),
                          b.roll, b.zoom)
        if self.kind == "keyframes":
            times = np.array([k[0] for k in self.keyframes])
            vals = np.array([[k[1].yaw, k[1].pitch, k[1].roll, k[1].zoom] for k in self.keyframes])
            v = [float(np.interp(t, times, vals[:, i])) for i in range(4)]
            return Camera(v[0] + b.yaw, v[1] + b.pitch, v[2] + b.roll, v[3] * b.zoom)
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
            frames = tuple(sorted(((float(k.get("t", 0.0)), Camera(float(k.get("yaw", 0.0)), float(k.get("pitch", 0.0)),
                                                                      float(k.get("roll", 0.0)), float(k.get("zoom", 1.0))))
                                   for k in data), key=lambda kf: kf[0]))
        except OSError as e:
            raise ConfigError(f"cannot read camera file '{spec}': {e.strerror}; give a readable .json file") from None
        except (ValueError, TypeError, AttributeError) as e:
            raise ConfigError(f"camera file '{spec}' is not a list of keyframes like "
                              f'[{{"t": 0, "yaw": -30}}, {{"t": 4, "yaw": 30}}] ({e})') from None
        return cls(base, "keyframes", keyframes=frames)


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
