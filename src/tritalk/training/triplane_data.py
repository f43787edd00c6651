"""Training data of the tri-plane generator: window crops with known cameras, ARKit coefficients and a
head mask, from two sources (Sec. III-C2's pairs, as far as this machine's data reaches):

  (a) renders of the mesh engine from portraits: each portrait at many viewer cameras (yaw, pitch) and
      expressions (its own, + jaw, emotion prototypes at random intensities, blinks): 3D supervision
      with exactly known cameras and coefficients. Source image = the photo itself (front view, own
      expression), as at inference.
  (b) real talking-face video (GRID clips): frames of one clip cropped with the first frame's crop,
      MediaPipe coefficients per frame, front camera; source = another frame of the same clip.

Everything is stored in one ``.npz`` (``build_triplane_data``), all images at ``res`` pixels:
  images    (N, res, res, 3) uint8  the neural window of the frame (head centre, ``window`` x half frame)
  masks     (N, res, res) uint8     the face region (face mesh + mouth opening, filled), 255 = head
  mouths    (N, res, res) uint8     the mouth region (head_window.mouth_mask), 255 = mouth: the mouth loss's weights
  windows   (N, 11, 52) float16     E_m's input (renders: the frame's coefficients repeated)
  emotion   (N, 8) float32          emotion weights (EmotionSpec.weights order)
  cams      (N, 3) float32          yaw, pitch [deg], distance [world units]
  source    (N,) int32              index into ``refs`` of the identity image for this sample
  refs      (M, res, res, 3) uint8  identity (source) images
  kind      (N,) uint8              0 = mesh render, 1 = real video frame
  names     (M,) str                where each ref comes from (portrait or clip:frame)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tritalk.neural.head_window import cut_window, head_mask, mouth_mask, window_box  # noqa: F401  (re-exported)
from tritalk.types import EMOTIONS, IDX, Camera

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TriplaneDataConfig:
    size: int = 256
    """The subject's frame size the mesh engine renders at (the window is cut from it)."""
    res: int = 128
    """Stored window size; training resizes to the model's sizes."""
    window: float = 0.62
    """Neural window half width / frame half width (TriplaneNetConfig.window)."""
    views_per_portrait: int = 160
    max_yaw: float = 40.0
    max_pitch: float = 15.0
    frames_per_clip: int = 40
    jaw_share: float = 0.85
    """Share of the varied expressions that open the jaw (0 to 0.7 on top of the photo's own). The first shipped
    data used 0.7; speech keeps the jaw between ~0.1 and ~0.4 nearly all the time, so the model must learn
    those openings, not only the wide ones."""
    viseme_share: float = 0.35
    """Share of the varied expressions with a speech mouth shape (lips parted, rounded, stretched or pressed)."""
    twin_share: float = 0.5
    """Share of the varied renders that are a *twin* of the render before them: the same camera and expression
    with only the mouth drawn again (``random_mouth``). Two renders of one view that differ in the mouth alone
    are what the motion-difference loss (training/stages.py ``motion_difference_l1``) compares; at most 0.5 (one
    twin per view); 0 = every view its own camera (the first two shipped data sets)."""
    seed: int = 0


VISEMES = (("mouthFunnel",), ("mouthPucker",), ("mouthClose",), ("mouthLowerDownLeft", "mouthLowerDownRight"),
           ("mouthUpperUpLeft", "mouthUpperUpRight"), ("mouthStretchLeft", "mouthStretchRight"),
           ("mouthRollLower", "mouthRollUpper"), ("mouthPressLeft", "mouthPressRight"))
"""Mouth shapes of speech (ARKit names, moved together), one drawn per varied expression at ``viseme_share``."""


def random_expression(rng: np.random.Generator, ref_expr: np.ndarray, jaw_share: float = 0.85,
                      viseme_share: float = 0.35) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(52,) absolute expression, (8,) emotion weights and (52,) the same expression before its mouth was drawn:
    the photo's own (30 %), or it plus an emotion prototype at a random intensity, sometimes a blink, and a
    mouth (``random_mouth``: a jaw opening, sometimes a speech mouth shape)."""
    from tritalk.motion.emotion_prototypes import prototype

    weights = np.zeros(len(EMOTIONS), np.float32)
    weights[0] = 1.0
    if rng.random() < 0.3:
        return ref_expr.copy(), weights, ref_expr.copy()
    expr = ref_expr.astype(np.float32).copy()
    e = int(rng.integers(0, len(EMOTIONS)))
    s = float(rng.uniform(0.3, 1.0))
    if e > 0:
        expr += s * prototype(EMOTIONS[e])
        weights[:] = 0.0
        weights[0], weights[e] = 1.0 - s, s
    if rng.random() < 0.2:
        expr[[IDX["eyeBlinkLeft"], IDX["eyeBlinkRight"]]] = 1.0
    return random_mouth(rng, expr, jaw_share, viseme_share), weights, expr


def random_mouth(rng: np.random.Generator, expr: np.ndarray, jaw_share: float = 0.85, viseme_share: float = 0.35
                 ) -> np.ndarray:
    """``expr`` plus a jaw opening of 0 to 0.7 (``jaw_share`` of the draws) and, at ``viseme_share``, one speech
    mouth shape (VISEMES), clipped to [0, 1]."""
    expr = expr.astype(np.float32).copy()
    expr[IDX["jawOpen"]] += rng.uniform(0.0, 0.7) * (rng.random() < jaw_share)
    if rng.random() < viseme_share:
        names = VISEMES[int(rng.integers(0, len(VISEMES)))]
        expr[[IDX[n] for n in names]] += rng.uniform(0.2, 0.8)
    return np.clip(expr, 0.0, 1.0)


def _bytes(mask: np.ndarray) -> np.ndarray:
    return np.clip(mask * 255 + 0.5, 0, 255).astype(np.uint8)


def _distance(subject, camera: Camera, half_px: float) -> float:
    """The camera distance in world units (half windows)."""
    return camera.distance_cm(subject.camera_distance) * subject.fit.scale / half_px


def render_portrait_samples(subject, cfg: TriplaneDataConfig, rng: np.random.Generator) -> dict:
    """Mesh-engine renders of one Subject: the per-sample arrays of the module docstring."""
    from tritalk.render.mesh_engine import MeshEngine

    engine = MeshEngine(subject)
    box = window_box(engine.scene.head_centre, subject.size, cfg.window)
    out = {k: [] for k in ("images", "masks", "mouths", "windows", "emotion", "cams")}
    zero_head = np.zeros(6, np.float32)
    cam, base, weights = Camera(), subject.ref_expr.astype(np.float32), np.eye(len(EMOTIONS), dtype=np.float32)[0]
    for i in range(cfg.views_per_portrait):
        if i == 0:  # the photo itself
            expr = base
        elif i > 1 and rng.random() < cfg.twin_share / max(1.0 - cfg.twin_share, 1e-6) and not twin_before:
            # a twin of the render before: same camera, emotion and blink, the mouth drawn again
            expr = random_mouth(rng, base, cfg.jaw_share, cfg.viseme_share)
            twin_before = True
        else:
            cam = Camera() if rng.random() < 0.2 else \
                Camera(yaw=float(rng.uniform(-cfg.max_yaw, cfg.max_yaw)),
                       pitch=float(rng.uniform(-cfg.max_pitch, cfg.max_pitch)))
            expr, weights, base = random_expression(rng, subject.ref_expr, cfg.jaw_share, cfg.viseme_share)
            twin_before = False
        frame = engine.render_frame(expr, zero_head, cam)
        mask = head_mask(engine, expr, zero_head, cam)
        out["images"].append(cut_window(frame, box, cfg.res))
        out["masks"].append(_bytes(cut_window(mask, box, cfg.res)))
        out["mouths"].append(_bytes(cut_window(mouth_mask(engine, expr, zero_head, cam), box, cfg.res)))
        out["windows"].append(np.repeat(expr[None], 11, 0))
        out["emotion"].append(weights)
        out["cams"].append([cam.yaw, cam.pitch, _distance(subject, cam, box[2])])
    ref = cut_window(subject.image, box, cfg.res)
    return {k: np.asarray(v) for k, v in out.items()} | {"ref": ref}


def clip_samples(path: Path, cfg: TriplaneDataConfig, analyser, segmenter, rng: np.random.Generator) -> dict:
    """Frames of one talking-face video, cropped like its first frame; front camera; per-frame coefficients;
    the head mask is the mesh engine's face region for that frame's coefficients on the first frame's fit
    (GRID speakers barely move their heads). Source images: the first frame and one frame mid-clip."""
    from tritalk.face.subject import crop_box, crop_square, prepare_subject
    from tritalk.face.track import measure_frames, video_fps
    from tritalk.io.video import read_video_frames
    from tritalk.neural.motion_encoder import expression_windows
    from tritalk.render.mesh_engine import MeshEngine

    frames = list(read_video_frames(path))
    first = analyser.analyse(frames[0], name=str(path.name))
    cx, cy, side = crop_box(first, *frames[0].shape[:2])
    crops = [crop_square(f, cx, cy, side, cfg.size) for f in frames]
    subject = prepare_subject(crops[0], cfg.size, analyser, segmenter=segmenter, name=path.name)
    track = measure_frames(crops, video_fps(path))
    expr = track.expr.copy()
    ok = track.found
    expr[~ok] = 0.0
    wins = expression_windows(np.clip(expr, 0, 1))
    engine = MeshEngine(subject)
    box = window_box(engine.scene.head_centre, cfg.size, cfg.window)
    picks = rng.choice(np.flatnonzero(ok[5:-5]) + 5, size=min(cfg.frames_per_clip, int(ok[5:-5].sum())),
                       replace=False)
    cam = Camera()
    dist = _distance(subject, cam, box[2])
    out = {k: [] for k in ("images", "masks", "mouths", "windows", "emotion", "cams")}
    for k in sorted(picks):
        e = np.clip(expr[k], 0, 1)
        mask = head_mask(engine, e, np.zeros(6, np.float32), cam)
        out["images"].append(cut_window(crops[k], box, cfg.res))
        out["masks"].append(_bytes(cut_window(mask, box, cfg.res)))
        out["mouths"].append(_bytes(cut_window(mouth_mask(engine, e, np.zeros(6, np.float32), cam), box, cfg.res)))
        out["windows"].append(wins[k])
        out["emotion"].append(np.eye(len(EMOTIONS), dtype=np.float32)[0])  # GRID is neutral read speech
        out["cams"].append([0.0, 0.0, dist])
    refs = [cut_window(crops[0], box, cfg.res), cut_window(crops[len(crops) // 2], box, cfg.res)]
    return {k: np.asarray(v) for k, v in out.items()} | {"refs": refs}


def build_triplane_data(portraits: list[Path], clips: list[Path], out: Path, cfg: TriplaneDataConfig,
                        progress=None) -> dict:
    """Render / measure every input and write ``out`` (.npz); returns counts."""
    from tritalk.face.analyse import FaceAnalyser, PortraitSegmenter
    from tritalk.face.subject import prepare_subject
    from tritalk.io.image import load_image

    rng = np.random.default_rng(cfg.seed)
    parts, refs, names = [], [], []
    with FaceAnalyser(max_faces=1) as analyser, PortraitSegmenter() as segmenter:
        for i, p in enumerate(portraits):
            subject = prepare_subject(load_image(p), cfg.size, analyser, segmenter=segmenter, name=p.name)
            s = render_portrait_samples(subject, cfg, rng)
            s["source"] = np.full(len(s["images"]), len(refs), np.int32)
            s["kind"] = np.zeros(len(s["images"]), np.uint8)
            refs.append(s.pop("ref"))
            names.append(p.name)
            parts.append(s)
            if progress:
                progress(i + 1, len(portraits) + len(clips), p.name)
        for j, c in enumerate(clips):
            s = clip_samples(c, cfg, analyser, segmenter, rng)
            n = len(s["images"])
            first = len(refs)
            refs += s.pop("refs")
            names += [f"{c.name}:first", f"{c.name}:middle"]
            # cross-contrastive pairs: half the frames take the first frame as source, half the middle one
            s["source"] = (first + (np.arange(n) % 2)).astype(np.int32)
            s["kind"] = np.ones(n, np.uint8)
            parts.append(s)
            if progress:
                progress(len(portraits) + j + 1, len(portraits) + len(clips), c.name)
    data = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    data["windows"] = data["windows"].astype(np.float16)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, refs=np.asarray(refs), names=np.asarray(names), res=np.array(cfg.res),
                        window=np.array(cfg.window), **data)
    return {"samples": len(data["images"]), "renders": int((data["kind"] == 0).sum()),
            "video_frames": int((data["kind"] == 1).sum()), "sources": len(refs)}
