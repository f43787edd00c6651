"""The tri-plane engine (an ``Engine``, engine.py): Subject + Motion + CameraPath -> frames, with the paper's
generator (Sec. III-B): E_id(photo | emotion) and E_m(ARKit window) drive G, the volume renderer and R.

How the head meets hair, body and background: the network renders the **face region** (forehead to chin,
the mouth inside) as a premultiplied RGB + opacity window around the head centre, and that window is
composited over the mesh engine's frame for the same camera, expression and head pose:

    frame = rgb_head + (1 - alpha_head) * mesh_frame

Why: the paper's generator is trained on face crops (PV3D / EG3D framing) and never models a photo's
shoulders, clothes or room; a tiny CPU-trained tri-plane has even less capacity, and spending it on the
background would blur the face. The mesh engine already turns hair, ears, neck, body and an inpainted
background with the same camera conventions (volume.py), so both layers agree on where the head is at
every view; the soft opacity edge (trained on the face mesh's blurred silhouette) hides the seam.

Per photo (``__init__``): the generator is loaded, the photo's code w = E_id(photo) is inverted with a
time budget (inversion.py) against the photo and a few mesh-engine renders of it at other views and
expressions, so the rest view looks like the photo. Per frame: z_m = E_m(11-frame window of
``Motion.expr``), w^e = M_e(w | ``Motion.emotion`` row), the camera (viewer camera + head pose), one
render, one composite.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
import torch

from tritalk.errors import WeightsError
from tritalk.face.subject import Subject
from tritalk.neural.engine_config import TriplaneConfig
from tritalk.neural.generator import TriplaneGenerator
from tritalk.neural.inversion import InversionTarget, invert
from tritalk.neural.motion_encoder import expression_windows
from tritalk.neural.volume import view_matrices
from tritalk.types import EMOTIONS, IDX, Camera, CameraPath, Motion

logger = logging.getLogger(__name__)

SHIPPED = Path(__file__).resolve().parent.parent / "assets" / "triplane" / "tiny"
BATCH = 8  # frames rendered together (the generator's cost is per image; batching saves Python overhead)


def load_generator(checkpoint: str | None) -> TriplaneGenerator:
    d = Path(checkpoint) if checkpoint else SHIPPED
    if not (d / "config.json").is_file():
        raise WeightsError(f"no tri-plane checkpoint in '{d}'; train one with 'tritalk train triplane' and give "
                           "it with --checkpoint DIR")
    return TriplaneGenerator.from_pretrained(d, flag="--checkpoint")


@contextmanager
def _threads(n: int):
    if n <= 0:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


class TriplaneEngine:
    """Frames of one Subject from the tri-plane generator, composited over the mesh engine's frame."""

    name = "triplane"

    def __init__(self, subject: Subject, config: TriplaneConfig = TriplaneConfig(),
                 generator: TriplaneGenerator | None = None):
        from tritalk.render.mesh_engine import MeshEngine
        from tritalk.neural.head_window import cut_window, head_mask, mouth_mask, window_box

        self.subject, self.config = subject, config
        self.mesh = MeshEngine(subject)
        model = generator if generator is not None else load_generator(config.checkpoint)
        net = model.config
        self.box = window_box(self.mesh.scene.head_centre, subject.size, net.window)
        self.half_px = self.box[2]
        res = net.out_res

        def window(img: np.ndarray, size: int) -> torch.Tensor:
            w = cut_window(img, self.box, size)
            w = w[..., None] if w.ndim == 2 else w
            return torch.from_numpy(np.ascontiguousarray(w)).permute(2, 0, 1).float() / 255

        self.reference = window(subject.image, net.encoder_input)
        with _threads(config.threads):
            targets = self._targets(window, head_mask, mouth_mask, res)
            if config.inversion_steps > 0:
                result = invert(model, self.reference, targets, config.inversion_steps, config.inversion_seconds,
                                config.inversion_lr, config.tune_generator,
                                mouth_weight=config.inversion_mouth_weight,
                                diff_weight=config.inversion_diff_weight)
                self.model, self.w = result.model, result.w
                self.inversion = result
            else:
                self.model = model.eval()
                with torch.no_grad():
                    self.w = self.model.identity_encoder(self.reference[None])
                self.inversion = None

    def _targets(self, window, head_mask, mouth_mask, res: int) -> list[InversionTarget]:
        """The photo (front view, its own expression) first, then mesh renders of it at other views and
        expressions, then front views at the jaw openings of ``inversion_openings`` (a fixed list: the same
        photo gives the same targets)."""
        ref = self.subject.ref_expr.astype(np.float32)
        zero = np.zeros(6, np.float32)
        plan = [(Camera(), ref)]
        views = [(-25.0, 0.0), (25.0, 0.0), (0.0, 12.0), (-40.0, -8.0), (40.0, 8.0), (0.0, -12.0), (-12.0, 5.0),
                 (12.0, -5.0)]
        for k in range(self.config.inversion_views):
            yaw, pitch = views[k % len(views)]
            expr = ref.copy()
            if k % 2 == 1:
                expr[IDX["jawOpen"]] = min(1.0, expr[IDX["jawOpen"]] + 0.45)
            plan.append((Camera(yaw=yaw, pitch=pitch), expr))
        for j in self.config.inversion_openings:
            expr = ref.copy()
            expr[IDX["jawOpen"]] = min(1.0, expr[IDX["jawOpen"]] + j)
            plan.append((Camera(), expr))
        to_bytes = lambda a: np.clip(a * 255 + 0.5, 0, 255).astype(np.uint8)  # noqa: E731
        rest = window(self.mesh.render_frame(ref, zero, Camera()), res) if self.config.inversion_openings else None
        out = []
        for k, (cam, expr) in enumerate(plan):
            image = self.subject.image if cam == Camera() and expr is ref else self.mesh.render_frame(expr, zero, cam)
            mask = head_mask(self.mesh, expr, zero, cam)
            mouth = mouth_mask(self.mesh, expr, zero, cam)
            m, f = view_matrices(cam.yaw, cam.pitch, cam.roll, self._distance(cam))
            out.append(InversionTarget(window(image, res), window(to_bytes(mask), res),
                                       torch.from_numpy(np.repeat(expr[None], 11, 0)), torch.from_numpy(m),
                                       torch.tensor(f), window(to_bytes(mouth), res),
                                       rest if k > self.config.inversion_views else None))
        return out

    def _distance(self, camera: Camera) -> float:
        return camera.distance_cm(self.subject.camera_distance) * self.subject.fit.scale / self.half_px

    def _emotion_weights(self, motion: Motion, start: int, stop: int) -> np.ndarray:
        if motion.emotion is None:
            w = np.zeros((stop - start, len(EMOTIONS)), np.float32)
            w[:, 0] = 1.0
            return w
        w = motion.emotion[start:stop].astype(np.float32).copy()
        w[:, 1:] *= self.config.emotion_strength
        w[:, 0] = 1.0 - w[:, 1:].sum(1)
        return w

    def head_layers(self, motion: Motion, path: CameraPath, start: int, stop: int
                    ) -> tuple[np.ndarray, np.ndarray, list[Camera]]:
        """The network's own output for frames ``start .. stop - 1``: premultiplied RGB (B, R, R, 3) and
        opacity (B, R, R) in [0, 1] of the head window (R = the generator's out_res), and each frame's camera."""
        lo, hi = max(0, start - 5), min(len(motion), stop + 5)  # E_m's window needs 5 frames each side
        windows = expression_windows(motion.expr[lo:hi])[start - lo: stop - lo]
        emotion = self._emotion_weights(motion, start, stop)
        cams = [path.at(t / motion.fps) for t in range(start, stop)]
        n, res = max(stop - start, 0), self.model.config.out_res
        rgb_all, alpha_all = np.empty((n, res, res, 3), np.float32), np.empty((n, res, res), np.float32)
        with _threads(self.config.threads), torch.no_grad():
            for b0 in range(0, n, BATCH):
                idx = list(range(b0, min(n, b0 + BATCH)))
                views = [self._view(cams[i], motion.head[start + i]) for i in idx]
                m = torch.from_numpy(np.stack([v[0] for v in views]))
                f = torch.tensor([v[1] for v in views], dtype=torch.float32)
                w_e = self.model.emotion_mapper(self.w.expand(len(idx), -1), torch.from_numpy(emotion[idx]))
                z_m = self.model.motion_encoder(torch.from_numpy(windows[idx]))
                rgb, alpha, _, _ = self.model.render(w_e, z_m, m, f)
                rgb_all[b0: b0 + len(idx)] = rgb.permute(0, 2, 3, 1).numpy()
                alpha_all[b0: b0 + len(idx)] = alpha[:, 0].numpy()
        return rgb_all, alpha_all, cams

    def render(self, motion: Motion, path: CameraPath, start: int = 0, stop: int | None = None) -> np.ndarray:
        """(B, S, S, 3) uint8: frames ``start .. stop - 1`` (Engine): the head layer over the mesh frame."""
        stop = len(motion) if stop is None else stop
        rgb, alpha, cams = self.head_layers(motion, path, start, stop)
        out = np.empty((max(stop - start, 0), self.subject.size, self.subject.size, 3), np.uint8)
        for i, t in enumerate(range(start, stop)):
            bg = self.mesh.render_frame(motion.expr[t], motion.head[t], cams[i], motion.gaze[t])
            out[i] = self._composite(bg, rgb[i], alpha[i], cams[i], motion.head[t])
        return out

    def _view(self, camera: Camera, head: np.ndarray) -> tuple[np.ndarray, float]:
        """The neural camera: the viewer's rotation composed with the head's own pose (both turn the head
        against the viewer; the body, in the mesh layer, turns with the camera only)."""
        yaw = camera.yaw + float(np.degrees(head[0]))
        pitch = camera.pitch + float(np.degrees(head[1]))
        roll = camera.roll + float(np.degrees(head[2]))
        return view_matrices(yaw, pitch, roll, self._distance(camera))

    def _composite(self, bg: np.ndarray, rgb: np.ndarray, alpha: np.ndarray, camera: Camera,
                   head: np.ndarray) -> np.ndarray:
        """Paste the head window (premultiplied) over the mesh frame where the mesh engine puts the head centre:
        zoomed about the frame centre, shifted by the head's translation."""
        size = self.subject.size
        zoom = self.mesh.zoom(camera)
        cx, cy, half = self.box
        scale = self.subject.fit.scale
        cx = size / 2 + zoom * (cx + head[3] * scale - size / 2)
        cy = size / 2 + zoom * (cy - head[4] * scale - size / 2)
        half *= zoom
        res = rgb.shape[0]
        # R sharpens colour but not opacity: where its premultiplied RGB falls below alpha x the colour, the
        # seam darkens. Colour = rgb / alpha (clipped), premultiplied again by the opacity that is composited.
        colour = np.clip(rgb / np.maximum(alpha[..., None], 1e-3), 0.0, 1.0)
        rgb = colour * alpha[..., None]
        s = 2 * half / res
        m = np.array([[s, 0, cx - half + 0.5 * s - 0.5], [0, s, cy - half + 0.5 * s - 0.5]], np.float32)
        layer = np.concatenate([rgb, alpha[..., None]], -1).astype(np.float32)
        warped = cv2.warpAffine(layer, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                borderValue=0)
        # bilinear resampling reaches past the window's edge by up to one source pixel: cut it there
        x0, x1 = int(np.floor(cx - half)), int(np.ceil(cx + half))
        y0, y1 = int(np.floor(cy - half)), int(np.ceil(cy + half))
        keep = np.zeros((size, size, 1), np.float32)
        keep[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)] = 1.0
        warped *= keep
        a = warped[..., 3:4]
        out = warped[..., :3] * 255 + (1 - a) * bg.astype(np.float32)
        return np.clip(out + 0.5, 0, 255).astype(np.uint8)
