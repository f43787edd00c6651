"""Long hair hanging over the sides of the face: found in the photo, and painted out of the face's texture where a
turned view stretches it.

The photo shows long hair as strands over the temples and the edges of the cheeks, inside the face's outline.
The face mesh carries them as its own texture; a turned view stretches the near side of the face, and the
strands became a dark streak down the cheek. Hanging hair is physically beside the face, not on it: without its
volume, the turned view shows the skin it covered (as if the hair were tucked behind the ear).

  * Long hair: the person's pixels beside the neck, under the chin, have the hair's colour (the hair's: the
    person's pixels over the forehead), or those beside the lower face (from the jaw's angles to the chin, outside
    the outline) have the colour of the hair beside the temples. Short hair, crops and a bald head leave the neck,
    a collar or the wall there: a beard or sideburns on a short-haired face are the face's own and never painted
    out. ``HeadConfig.hair`` (``--hair``) overrides what the photo says.
  * Hair over the ears (a bob; ``hair_over_ears``): the ears the photo sees (the model's, fitted) show the person in
    another colour than the skin, on both sides and over their lower halves too. Turned, the hair then falls
    straight down over the ears to the jaw's angle (``head_mesh._hang_straight``), not a crop over bare ears.
  * Strands: pixels of the face's outer band (``hang_band`` of its width inside the outline) at its sides
    (``hang_side`` of its half width from the middle), below the brows, clear of the eyes, whose colour is
    nearer the hanging hair's (the person just outside the outline there) than the cheeks'.
  * Painted out (``MeshEngine``): the face's vertices under them fade, as the view turns, to the skin around
    them continued over them (push-pull of the face's other pixels), drawn as the fill's per-vertex colours.

    long = is_long_hair(subject, config)   # bool: hair beside the neck or the lower face (or the user's word)
    mask = strand_mask(subject, config)    # (S, S) float32 in [0, 1]; all zero unless the hair is long
    covered = hair_over_ears(subject, head, config)  # bool, from the head built without hair hanging
"""

from __future__ import annotations

import cv2
import numpy as np

from tritalk.face.model import FACE_OVAL, LEFT_EYE, RIGHT_EYE
from tritalk.face.subject import Subject
from tritalk.render.head_mesh import HeadMesh, HeadModel, ear_region, visible_at_rest
from tritalk.render.head_texture import CHEEKS, not_skin
from tritalk.render.mesh_config import HeadConfig

BROWS = (70, 63, 105, 66, 107, 336, 296, 334, 293, 300)


def _chroma(colour: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """L1 distance of the chromaticities (r, g, b / sum) of ``colour`` (..., 3) from ``ref`` (3,)."""
    return np.abs(colour / np.maximum(colour.sum(-1, keepdims=True), 1.0) - ref / max(float(ref.sum()), 1.0)).sum(-1)


def _min_pixels(size: int) -> int:
    """Fewest pixels a region of an S x S frame needs to give a colour (52 at 512^2, 8 at 64^2)."""
    return max(8, int(2e-4 * size * size))


def long_hair_fraction(subject: Subject, config: HeadConfig) -> float:
    """Share of the pixels beside the neck (``hang_neck_band`` face heights under the chin, 0.75-1.3 face
    half-widths from its middle; the wall included) that are the person's and have the hair's colour: its
    chromaticity (within ``hair_pattern_chroma``), a brightness within ``hang_brightness`` of it, and not the
    skin's."""
    size = subject.size
    lm = subject.observation.landmarks
    img = cv2.GaussianBlur(subject.image, (0, 0), max(size / 256.0, 0.5)).astype(np.float32)
    oval = lm[list(FACE_OVAL), :2]
    half, xc = 0.5 * float(np.ptp(oval[:, 0])), float(oval[:, 0].mean())
    chin, top = float(lm[152, 1]), float(lm[10, 1])
    face_h = chin - top
    yy, xx = np.mgrid[0:size, 0:size]
    person = subject.person > 0.5
    crown = person & (yy < top - 0.05 * face_h) & (yy > top - 0.35 * face_h) & (np.abs(xx - xc) < 0.6 * half)
    if crown.sum() < _min_pixels(size):
        return 0.0
    hair = np.median(img[crown], 0)
    skin = np.median(img[tuple(np.clip(np.round(lm[list(CHEEKS), 1::-1]).astype(int), 0, size - 1).T)], 0)
    lo, hi = config.hang_neck_band
    beside = ((yy > chin + lo * face_h) & (yy < chin + hi * face_h)
              & (np.abs(xx - xc) > 0.75 * half) & (np.abs(xx - xc) < 1.3 * half))
    c = img[beside]
    ratio = c.mean(1) / max(float(hair.mean()), 1.0)
    b_lo, b_hi = config.hang_brightness
    like = ((_chroma(c, hair) < config.hair_pattern_chroma) & (ratio > b_lo) & (ratio < b_hi)
            & not_skin(c, skin, config))
    return float((like & person[beside]).mean()) if beside.any() else 0.0


def is_long_hair(subject: Subject, config: HeadConfig) -> bool:
    """Whether the hair hangs past the jaw: ``config.hair`` when it says ("long", or "short" / "over_ears": not),
    else ("auto") the photo's hair beside the neck (``long_hair_fraction``) or beside the lower face
    (``side_hair_share``)."""
    if config.hair != "auto":
        return config.hair == "long"
    return (long_hair_fraction(subject, config) >= config.hang_fraction
            or side_hair_share(subject, config) >= config.hang_side_share)


def side_hair_share(subject: Subject, config: HeadConfig) -> float:
    """Share of the pixels beside the lower face (from the jaw's angles down to the chin, 0.9-1.5 face
    half-widths from its middle; the wall included; the lesser of the two sides) that are the person's, not the
    skin's, and have the colour of the hair beside the temples (the person's pixels there that are not skin: their
    median chromaticity within ``hang_side_chroma``, a brightness within ``hang_side_brightness`` of it). Long
    hair seen where the photo's
    frame ends close under the chin (the band of ``long_hair_fraction`` lies off the frame or on the shoulders) or
    wider than the neck's band (big curls to the shoulders), and hanging hair darker or lighter than the crown's.
    0 where the temples show no hair (the ears, the wall, a bald head)."""
    size = subject.size
    lm = subject.observation.landmarks
    img = cv2.GaussianBlur(subject.image, (0, 0), max(size / 256.0, 0.5)).astype(np.float32)
    oval = lm[list(FACE_OVAL), :2]
    half, xc = 0.5 * float(np.ptp(oval[:, 0])), float(oval[:, 0].mean())
    chin = float(lm[152, 1])
    brow = float(lm[list(BROWS), 1].mean())
    eyes = float(lm[[33, 263], 1].mean())
    jaw = float(lm[[172, 397], 1].mean())
    yy, xx = np.mgrid[0:size, 0:size]
    off = np.abs(xx - xc)
    person = subject.person > 0.5
    skin = np.median(img[tuple(np.clip(np.round(lm[list(CHEEKS), 1::-1]).astype(int), 0, size - 1).T)], 0)
    other = person & not_skin(img.reshape(-1, 3), skin, config).reshape(size, size)
    temples = other & (yy > brow) & (yy < 0.5 * (eyes + jaw)) & (off > 0.95 * half) & (off < 1.4 * half)
    beside = (yy > jaw) & (yy < chin) & (off > 0.9 * half) & (off < 1.5 * half)
    if temples.sum() < _min_pixels(size) or not beside.any():
        return 0.0
    hair = np.median(img[temples], 0)
    ratio = img.mean(2) / max(float(hair.mean()), 1.0)
    lo, hi = config.hang_side_brightness
    like = other & (_chroma(img, hair) < config.hang_side_chroma) & (ratio > lo) & (ratio < hi)
    # on both sides (the lesser share): loose long hair hangs on both, a pony tail's strand over one shoulder or a
    # side parting's lock on one (London 025's strand beside her neck: 0.02-0.19 with the frame's size on one side)
    return float(min(like[beside & side].mean() if (beside & side).any() else 0.0 for side in (xx < xc, xx >= xc)))


def hair_over_ears(subject: Subject, head: HeadMesh, config: HeadConfig) -> bool:
    """Whether the photo's hair covers both ears: of each ear's vertices (``head_mesh.ear_region``) that the photo
    sees, ``cover_share`` show the person in another colour than the cheeks' skin (``not_skin``), and
    ``cover_low_share`` of those in its lower half (below midway between the eyes and the jaw's angle: hair past
    the lobes, not curls over the ears' tops). ``head``: built without hair hanging (``HeadMesh.build``)."""
    size = subject.size
    img = subject.fit.to_image(head.rest)
    seen = visible_at_rest(img, HeadModel.load().triangles, size, tol=config.visible_tol_cm * subject.fit.scale)
    ears = ear_region(subject, head.rest, config) & seen
    at = np.ascontiguousarray(img[:, None, :2], np.float32)
    blurred = cv2.GaussianBlur(subject.image, (0, 0), max(size / 256.0, 0.5))
    colour = cv2.remap(blurred, at[..., 0], at[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)[:, 0]
    alpha = cv2.remap(subject.person.astype(np.float32), at[..., 0], at[..., 1], cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_REPLICATE)[:, 0]
    lm = subject.observation.landmarks
    skin = np.median(blurred[tuple(np.clip(np.round(lm[list(CHEEKS), 1::-1]).astype(int), 0, size - 1).T)], 0)
    hair = (alpha > 0.5) & not_skin(colour.astype(np.float32), skin.astype(np.float32), config)
    p = subject.personal
    low = head.rest[:, 1] < 0.5 * float(p[[33, 263], 1].mean() + p[[58, 288], 1].mean())
    for side in (head.rest[:, 0] < 0, head.rest[:, 0] >= 0):
        ear, lobe = ears & side, ears & side & low
        if lobe.sum() < 3 or hair[ear].mean() < config.cover_share or hair[lobe].mean() < config.cover_low_share:
            return False
    return True


def strand_mask(subject: Subject, config: HeadConfig) -> np.ndarray:
    """(S, S) float32 in [0, 1]: strands of long hair over the face's outer band (module docstring)."""
    size = subject.size
    out = np.zeros((size, size), np.float32)
    if not is_long_hair(subject, config):
        return out
    lm = subject.observation.landmarks
    img = cv2.GaussianBlur(subject.image, (0, 0), max(size / 512.0, 0.5)).astype(np.float32)
    oval = lm[list(FACE_OVAL), :2]
    width = float(np.ptp(oval[:, 0]))
    chin = float(lm[152, 1])
    brow = float(lm[list(BROWS), 1].max())
    yy = np.arange(size, dtype=np.float32)[:, None]
    face = np.zeros((size, size), np.uint8)
    cv2.fillPoly(face, [np.round(oval).astype(np.int32)], 1)
    depth = cv2.distanceTransform(face, cv2.DIST_L2, 3)
    xx = np.arange(size, dtype=np.float32)[None, :]
    sides = np.abs(xx - float(oval[:, 0].mean())) > config.hang_side * 0.5 * width  # (not the chin's outline)
    band = (face > 0) & (depth < config.hang_band * width) & (yy > brow) & sides
    eyes = np.zeros((size, size), np.uint8)
    for contour in (LEFT_EYE, RIGHT_EYE):
        cv2.fillPoly(eyes, [np.round(lm[list(contour), :2]).astype(np.int32)], 1)
    clear = int(config.hang_eye_clear * width) | 1
    band &= cv2.dilate(eyes, np.ones((clear, clear), np.uint8)) == 0
    # the hanging hair's own colour: the person just outside the outline between the brows and the chin
    reach = int(config.hang_band * width) | 1
    outside = ((cv2.dilate(face, np.ones((reach, reach), np.uint8)) > 0) & (face == 0) & (yy > brow) & (yy < chin)
               & (subject.person > 0.5))
    if outside.sum() < _min_pixels(size) or not band.any():
        return out
    hair = np.median(img[outside], 0)
    at = np.clip(np.round(lm[list(CHEEKS), 1::-1]).astype(int), 0, size - 1)
    skin = np.median(img[tuple(at.T)], 0)
    strands = band & (np.linalg.norm(img - hair, axis=2) < np.linalg.norm(img - skin, axis=2))
    out[strands] = 1.0
    return cv2.GaussianBlur(out, (0, 0), max(size / 256.0, 0.5))
