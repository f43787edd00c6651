"""Subject: everything recovered from the portrait once (crop, landmarks, fit, personal mesh).

``prepare_subject`` crops a square around the face (head, hair and shoulders included),
resizes it to the output size, analyses the crop again at that size (landmarks in output
pixels) and fits the face model. Rendering then only ever touches the crop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from tritalk.face.analyse import FaceAnalyser, FaceObservation, PortraitSegmenter
from tritalk.face.fit import FaceFit, FitConfig, fit_face
from tritalk.face.model import INNER_LIP_MIDDLE, FaceModel

logger = logging.getLogger(__name__)

CROP_SCALE = 2.0  # crop side / landmark-box side: leaves room for hair, ears and shoulders
MIN_CROP_SCALE = 1.5  # the tightest crop still showing the whole head
CROP_LIFT = 0.12  # move the crop centre up by this much of the box (the landmarks stop mid-forehead)
FULL_FRAME_DIAGONAL_MM = 43.27  # a 35 mm film frame's (36 x 24 mm): what a 35 mm-equivalent focal length refers to
CAMERA_CM = (25.0, 300.0)  # from a photo's EXIF: nearer is not believed (a crop of the frame); farther, taken as 300


def camera_distance(focal_35mm: float, image_hw: tuple[int, int], px_per_cm: float) -> float:
    """[cm] How far a camera with this 35 mm-equivalent focal length stood from a head that spans ``px_per_cm``
    pixels per cm in its whole frame (``image_hw``): the frame's diagonal at the head, in cm, over the lens's
    diagonal field of view."""
    diagonal_cm = float(np.hypot(*image_hw)) / px_per_cm
    return diagonal_cm * focal_35mm / FULL_FRAME_DIAGONAL_MM


@dataclass(frozen=True)
class Subject:
    image: np.ndarray  # (S, S, 3) uint8 RGB crop at the output size
    observation: FaceObservation  # landmarks in crop pixels
    fit: FaceFit
    personal: np.ndarray  # (478, 3) observed landmarks in the model frame (cm): the photo's exact shape
    model: FaceModel
    person: np.ndarray  # (S, S) float32 person confidence in [0, 1] (hair, body, clothes)
    camera_distance: float | None = None  # [cm] the photo's camera from the head (its EXIF lens), None: unknown

    @property
    def size(self) -> int:
        return self.image.shape[0]

    @property
    def ref_expr(self) -> np.ndarray:
        return self.fit.expr

    @property
    def lip_gap(self) -> float:
        """The photo's inner-lip gap at the middle of the mouth [cm, model frame], 0 where the lips touch: how
        far its lips are apart, which the motion closes at rest (motion/photo_expression.py ``closed_rest``)."""
        upper, lower = INNER_LIP_MIDDLE
        return max(0.0, float(self.personal[upper, 1] - self.personal[lower, 1]))


def crop_box(obs: FaceObservation, height: int, width: int) -> tuple[float, float, float]:
    """(cx, cy, side) of the square crop around the face, in original image pixels.

    Kept inside the photo where the photo allows it, so that padding (edge pixels stretched outwards)
    is a last resort.
    """
    x0, y0, x1, y1 = obs.bbox
    box = max(x1 - x0, y1 - y0)
    # prefer a tighter crop that fits inside the photo (down to MIN_CROP_SCALE) over padding
    side = min(CROP_SCALE * box, max(min(height, width), MIN_CROP_SCALE * box))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2 - CROP_LIFT * (y1 - y0)
    if side <= width:
        cx = float(np.clip(cx, side / 2, width - side / 2))
    if side <= height:
        cy = float(np.clip(cy, side / 2, height - side / 2))
    return cx, cy, side


def crop_square(image: np.ndarray, cx: float, cy: float, side: float, size: int) -> np.ndarray:
    """Resample the square (centre cx, cy; side px) to size x size; outside the photo, the edge pixels
    are repeated (mirroring would duplicate eyes or faces near the border)."""
    scale = size / side
    if scale < 0.75:  # shrink with an area filter first: warpAffine only interpolates
        f = scale * 1.25
        image = cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        cx, cy, side, scale = cx * f, cy * f, side * f, size / (side * f)
    m = np.array([[scale, 0, size / 2 - scale * cx], [0, scale, size / 2 - scale * cy]], np.float32)
    flags = cv2.INTER_LINEAR if scale <= 1 else cv2.INTER_CUBIC
    return cv2.warpAffine(image, m, (size, size), flags=flags, borderMode=cv2.BORDER_REPLICATE)


def prepare_subject(image: np.ndarray, size: int, analyser: FaceAnalyser, face: int | None = None,
                    name: str = "the image", model: FaceModel | None = None,
                    segmenter: PortraitSegmenter | None = None, fit_config: FitConfig = FitConfig(),
                    focal_35mm: float | None = None) -> Subject:
    """``focal_35mm``: the lens of the camera that took ``image`` (io.image.focal_35mm), which sets the camera's
    distance (``Subject.camera_distance``; None: unknown)."""
    model = model or FaceModel.load()
    first = analyser.analyse(image, face=face, name=name)
    cx, cy, side = crop_box(first, *image.shape[:2])
    crop = crop_square(image, cx, cy, side, size)
    faces = analyser.detect_all(crop)
    # the chosen face is the one nearest the crop centre (others may be partly in the crop)
    if faces:
        obs = min(faces, key=lambda f: np.linalg.norm(f.landmarks[:, :2].mean(0) - size / 2))
    else:  # the landmarker can miss a face it found at full size: map the first landmarks instead
        s = size / side
        lm = first.landmarks.copy()
        lm[:, 0] = (lm[:, 0] - cx) * s + size / 2
        lm[:, 1] = (lm[:, 1] - cy) * s + size / 2
        lm[:, 2] *= s
        obs = FaceObservation(lm, first.blendshapes, first.transform, first.n_faces, first.index)
    fit = fit_face(obs, model, fit_config)
    personal = fit.to_model(obs.landmarks.astype(np.float32)).astype(np.float32)
    logger.info("face fit: rms %.2f px, yaw/pitch/roll %s", fit.rms_px, np.round(fit.yaw_pitch_roll, 1))
    if segmenter is None:
        with PortraitSegmenter() as seg:
            person = seg.segment(crop)
    else:
        person = segmenter.segment(crop)
    distance = None
    if focal_35mm is not None:  # (the fit's pixels are the crop's; one is side / size of the photo's)
        distance = camera_distance(focal_35mm, image.shape[:2], fit.scale * side / size)
        logger.info("the photo's camera: %.0f mm (35 mm equivalent), %.0f cm from the head%s", focal_35mm, distance,
                    "" if CAMERA_CM[0] <= distance else " (not believed: a crop of its frame?)")
        distance = min(distance, CAMERA_CM[1]) if CAMERA_CM[0] <= distance else None
    return Subject(crop, obs, fit, personal, model, person, distance)
