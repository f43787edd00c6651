"""Face analysis with MediaPipe's Face Landmarker: 478 landmarks, 52 ARKit blendshapes, head pose.

Contract: ``FaceAnalyser.analyse(rgb)`` takes an RGB uint8 image (H, W, 3) and returns a
``FaceObservation`` in that image's pixel frame: landmark (x, y) in pixels with the centre of
pixel (row i, col j) at (j, i), z = MediaPipe's relative depth scaled by the image width
(same unit as x; smaller = nearer the camera). With several faces the largest is used unless
``face`` picks another (0 = largest, 1 = next, ...). The model bundle
``assets/models/face_landmarker.task`` (Apache-2.0) ships inside the package.

Threads: a MediaPipe graph is not re-entrant, so each analyser and segmenter serialises its own
calls with a lock; one instance can serve several threads. Nothing here touches process-wide
state (MediaPipe's native start-up chatter on stderr is the CLI's to silence: cli/quiet.py).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from importlib import resources

import numpy as np

from tritalk.errors import ConfigError, NoFaceError
from tritalk.types import BLENDSHAPES, N_EXPR

logger = logging.getLogger(__name__)

MIN_FACE_PX = 48  # landmark-box width below which the landmark net is unreliable
# Widest head turn tritalk animates (face/fit.py check_head_pose), measured on renders of the ICT
# head turned by known angles (scripts/measure_pose_range.py) and on videos rendered from them: the
# fitted yaw is within ~5 deg of the truth up to 60 deg; beyond, the far side's landmarks are
# guesses (mean error > 6 % of the eye distance), the mouth turns out of view (an independent
# landmarker loses the face in 25-40 % of the output frames at 65 deg), and past ~67 deg
# MediaPipe finds no face at all.
MAX_YAW_DEG = 60.0
# A face whose landmark box sticks out of the photo by more than this fraction of its size is
# refused (a chin or cheek cut off at 12 %; a forehead trimmed by a tight crop is ~5 %).
MAX_OUTSIDE = 0.10
N_LANDMARKS = 478


def task_path() -> str:
    return str(resources.files("tritalk") / "assets" / "models" / "face_landmarker.task")


@dataclass(frozen=True)
class FaceObservation:
    landmarks: np.ndarray  # (478, 3) float32: x, y [px], z [px, smaller = nearer]
    blendshapes: np.ndarray  # (52,) float32 in BLENDSHAPES order (tongueOut is not measured: 0)
    transform: np.ndarray  # (4, 4) float32 MediaPipe facial transformation matrix (cm, camera frame)
    n_faces: int  # faces found in the image
    index: int  # which one this is (0 = largest)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        x, y = self.landmarks[:, 0], self.landmarks[:, 1]
        return float(x.min()), float(y.min()), float(x.max()), float(y.max())

    @property
    def width(self) -> float:
        x0, _, x1, _ = self.bbox
        return x1 - x0


class FaceAnalyser:
    """Owns one MediaPipe FaceLandmarker (IMAGE mode); use as a context manager or call close()."""

    def __init__(self, max_faces: int = 4):
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=task_path()),
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
            num_faces=max_faces,
            min_face_detection_confidence=0.4,
            min_face_presence_confidence=0.4,
        )
        self._lock = threading.Lock()
        self._landmarker = vision.FaceLandmarker.create_from_options(options)
        self.detect_all(np.zeros((64, 64, 3), np.uint8))  # the first call starts the delegate: do it while loading

    def __enter__(self) -> "FaceAnalyser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._landmarker is not None:
                self._landmarker.close()
                self._landmarker = None

    def detect_all(self, rgb: np.ndarray) -> list[FaceObservation]:
        """Every face found, largest first."""
        import mediapipe as mp

        h, w = rgb.shape[:2]
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        with self._lock:
            if self._landmarker is None:
                raise RuntimeError("FaceAnalyser used after close()")
            result = self._landmarker.detect(image)
        faces = []
        for k, lms in enumerate(result.face_landmarks):
            pts = np.array([[p.x * w, p.y * h, p.z * w] for p in lms], np.float32)
            bs = np.zeros(N_EXPR, np.float32)
            if result.face_blendshapes:
                for c in result.face_blendshapes[k]:
                    if c.category_name in BLENDSHAPES:
                        bs[BLENDSHAPES.index(c.category_name)] = c.score
            mat = (np.asarray(result.facial_transformation_matrixes[k], np.float32)
                   if result.facial_transformation_matrixes else np.eye(4, dtype=np.float32))
            faces.append((pts, bs, mat))
        faces.sort(key=lambda f: -np.ptp(f[0][:, 0]) * np.ptp(f[0][:, 1]))
        return [FaceObservation(p, b, m, len(faces), i) for i, (p, b, m) in enumerate(faces)]

    def analyse(self, rgb: np.ndarray, face: int | None = None, name: str = "the image") -> FaceObservation:
        if face is not None and (isinstance(face, bool) or not isinstance(face, (int, np.integer)) or face < 0):
            raise ConfigError(f"--face {face} is invalid; use 0 for the largest face, 1 for the next, ...")
        faces = self.detect_all(rgb)
        if not faces:
            raise NoFaceError(f"no face found in {name}; use a photo with one clearly visible face, turned "
                              f"less than {MAX_YAW_DEG:.0f} deg from frontal and at least {MIN_FACE_PX} px wide "
                              f"(a small face in a large photo: crop the photo around it)")
        if face is not None and face >= len(faces):
            raise ConfigError(f"--face {face} asked for, but {name} has {len(faces)} face(s); "
                              f"use --face 0..{len(faces) - 1} (0 = largest)")
        chosen = faces[face or 0]
        if len(faces) > 1 and face is None:
            logger.warning("found %d faces in %s; using the largest (--face N picks another, 0 = largest)",
                           len(faces), name)
        if chosen.width < MIN_FACE_PX:
            raise NoFaceError(f"the face in {name} is only {chosen.width:.0f} px wide; use a photo where the "
                              f"face is at least {MIN_FACE_PX} px wide (the larger, the sharper the video)")
        _check_inside(chosen, *rgb.shape[:2], name)
        return chosen


def _check_inside(obs: FaceObservation, height: int, width: int, name: str) -> None:
    """Refuse a face cut off by the photo's edge: MediaPipe guesses the missing part, and the
    animation would move a chin or an eye that is not in the photo."""
    x0, y0, x1, y1 = obs.bbox
    size = max(x1 - x0, y1 - y0, 1.0)
    beyond = {"left": -x0, "top": -y0, "right": x1 - (width - 1), "bottom": y1 - (height - 1)}
    edge, px = max(beyond.items(), key=lambda kv: kv[1])
    if px > MAX_OUTSIDE * size:
        raise NoFaceError(f"the face in {name} is cut off by the photo's {edge} edge ({px / size:.0%} of it is "
                          f"outside); use a photo with the whole face inside the frame")


def detect_landmarks_raw(rgb: np.ndarray) -> np.ndarray | None:
    """(478, 3) normalised landmarks of the largest face, or None. For tools and tests."""
    with FaceAnalyser(max_faces=1) as fa:
        faces = fa.detect_all(rgb)
    if not faces:
        return None
    h, w = rgb.shape[:2]
    return faces[0].landmarks / np.array([w, h, w], np.float32)


class PortraitSegmenter:
    """Person vs background: MediaPipe selfie segmentation (assets/models/selfie_segmentation.tflite,
    Apache-2.0, from the mediapipe 0.10.21 wheel), run by the Tasks ImageSegmenter.

    ``segment(rgb)`` -> (H, W) float32 person confidence in [0, 1] (hair, body and clothes included).
    """

    def __init__(self):
        from mediapipe.tasks.python import BaseOptions, vision

        path = str(resources.files("tritalk") / "assets" / "models" / "selfie_segmentation.tflite")
        options = vision.ImageSegmenterOptions(base_options=BaseOptions(model_asset_path=path),
                                               output_confidence_masks=True, output_category_mask=False)
        self._lock = threading.Lock()
        self._segmenter = vision.ImageSegmenter.create_from_options(options)

    def __enter__(self) -> "PortraitSegmenter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._segmenter is not None:
                self._segmenter.close()
                self._segmenter = None

    def segment(self, rgb: np.ndarray) -> np.ndarray:
        import mediapipe as mp

        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        with self._lock:
            if self._segmenter is None:
                raise RuntimeError("PortraitSegmenter used after close()")
            mask = self._segmenter.segment(image).confidence_masks[0].numpy_view()
            return np.array(mask, np.float32).reshape(rgb.shape[:2])
