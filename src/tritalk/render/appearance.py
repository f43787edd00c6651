"""Emotion-dependent appearance for the mesh engine: creases, cheek shading and reddened eyes.

Contract: ``emotion_appearance(frame, verts_xy, expr, ref=None)`` changes ``frame`` (S, S, 3)
uint8 in place. ``verts_xy`` (478, 2) are this frame's image positions of the MediaPipe-topology
landmarks, ``expr`` (52,) the total ARKit coefficients shown, ``ref`` (52,) the photo's own
coefficients: the photo already shows its own creases, so only the part of each action unit
above the photo's is drawn (no change at all when ``expr == ref``).

What a warp of the photo cannot show, and real faces do (FACS appearance changes):
  * AU1+2 (brows raised): horizontal forehead lines;
  * AU4 (brows lowered/drawn together): vertical furrows between the brows;
  * AU9 (nose wrinkler): creases across the nose root and on the sides of the nose;
  * AU6+12 (smile): deeper nasolabial folds, crow's feet at the outer eye corners, a bulge
    under the lower lids, light on the raised cheek apples;
  * AU10 (upper lip raiser): deeper upper nasolabial folds;
  * AU15 (lip corners down): short marionette shadows below the corners;
  * AU17 (chin raiser): a deeper fold under the lower lip;
  * sadness (AU1 without AU2, with AU15): slightly reddened eyes and lid rims.
Each crease is a soft dark line with a faint light band above it (a fold catches light on its
upper lip), scaled by the inter-ocular distance; the strongest darkens the skin by ~25 %.
Everything stays inside the face; the frame outside it is untouched.
"""

from __future__ import annotations

import cv2
import numpy as np

from tritalk.types import IDX

# MediaPipe landmark indices (face-mesh topology); R = the subject's right (image left)
BROW_R = (70, 63, 105, 66, 107)  # outer -> inner, upper edge
BROW_L = (300, 293, 334, 296, 336)
BROW_INNER = (55, 285)
GLABELLA, NOSE_ROOT, FOREHEAD_TOP = 9, 168, 10
NOSE_WING = (129, 358)
NOSE_BRIDGE = (6, 197)
MOUTH_CORNER = (61, 291)
EYE_OUTER = (33, 263)
EYE_INNER = (133, 362)
LOWER_LID = ((33, 7, 163, 144, 145, 153, 154, 155, 133), (263, 249, 390, 373, 374, 380, 381, 382, 362))
EYE_CONTOUR = ((33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246),
               (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466))
CHEEK = (50, 280)
LOWER_LIP_BOTTOM, CHIN = 17, 152

SHIFT = 4  # sub-pixel bits for cv2 drawing


def _au(expr: np.ndarray, ref: np.ndarray | None) -> dict[str, float]:
    """Action-unit strengths in [0, 1] above the photo's own."""
    def g(e: np.ndarray, *names: str) -> float:  # (plain floats: np.mean of a short list costs ~20 us a call)
        return sum(float(e[IDX[n]]) for n in names) / len(names)

    def units(e: np.ndarray) -> dict[str, float]:
        inner, outer = g(e, "browInnerUp"), g(e, "browOuterUpLeft", "browOuterUpRight")
        frown = g(e, "mouthFrownLeft", "mouthFrownRight")
        return {
            "brow_raise": min(inner, 0.5 + outer) * 0.6 + 0.4 * outer * inner,
            "brow_lower": g(e, "browDownLeft", "browDownRight"),
            "nose": g(e, "noseSneerLeft", "noseSneerRight"),
            "smile_r": 0.6 * g(e, "mouthSmileRight") + 0.4 * g(e, "cheekSquintRight"),
            "smile_l": 0.6 * g(e, "mouthSmileLeft") + 0.4 * g(e, "cheekSquintLeft"),
            "cheek_r": g(e, "cheekSquintRight"), "cheek_l": g(e, "cheekSquintLeft"),
            "lip_raise": g(e, "mouthUpperUpLeft", "mouthUpperUpRight"),
            "frown": frown,
            "chin": g(e, "mouthShrugLower"),
            "sad": float(np.clip(min(inner - 0.5 * outer, frown) * 1.5, 0, 1)),
        }

    now = units(expr)
    if ref is None:
        return {k: float(np.clip(v, 0, 1)) for k, v in now.items()}
    base = units(ref)
    return {k: float(np.clip(now[k] - base[k], 0, 1)) for k in now}


def _ramp(x: float, lo: float, hi: float) -> float:
    return float(np.clip((x - lo) / (hi - lo), 0.0, 1.0))


def emotion_appearance(frame: np.ndarray, verts_xy: np.ndarray, expr: np.ndarray,
                       ref: np.ndarray | None = None) -> None:
    """Shade creases, cheeks and eyes of ``frame`` in place (see module docstring)."""
    au = _au(np.asarray(expr, np.float32), None if ref is None else np.asarray(ref, np.float32))
    if max(au.values()) < 0.05:
        return
    v = np.asarray(verts_xy, np.float32)[:, :2]
    iod = float(np.linalg.norm(v[EYE_OUTER[0]] - v[EYE_OUTER[1]]))
    if not np.isfinite(iod) or iod < 8:
        return
    h, w = frame.shape[:2]
    x0, y0 = np.maximum(np.floor(v[:468].min(0) - 0.1 * iod).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(v[:468].max(0) + 0.1 * iod).astype(int), [w, h])
    if x1 - x0 < 8 or y1 - y0 < 8:
        return
    org = np.array([x0, y0], np.float32)
    dark = np.zeros((y1 - y0, x1 - x0), np.float32)  # crease depth (0 = none, 1 = full)
    light = np.zeros_like(dark)  # highlight next to creases / on raised cheeks
    soft_dark = np.zeros_like(dark)  # wide, shallow folds (blurred more)
    width = max(1, int(round(0.025 * iod)))
    up = np.array([0.0, -0.03 * iod], np.float32)  # the light band sits above a crease

    def crease(pts: np.ndarray, s: float, w: int | None = None, soft: bool = False) -> None:
        if s <= 0.01:
            return
        w = width if w is None else w
        p = np.round((pts - org) * (1 << SHIFT)).astype(np.int32)
        cv2.polylines(soft_dark if soft else dark, [p], False, s, w, cv2.LINE_AA, SHIFT)
        q = np.round((pts + up - org) * (1 << SHIFT)).astype(np.int32)
        cv2.polylines(light, [q], False, 0.5 * s, 2 * w, cv2.LINE_AA, SHIFT)

    def lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
        return a + (b - a) * t

    # AU1+2: forehead lines, following the brow arch, fading towards the temples
    s = _ramp(au["brow_raise"], 0.15, 0.9)
    if s > 0:
        arch = np.concatenate([v[list(BROW_R)], v[[GLABELLA]], v[list(BROW_L)][::-1]])
        top = v[FOREHEAD_TOP]
        # thin, shallow and spread over the forehead (thick ones merge into a band that reads as a
        # second brow)
        thin = max(1, int(round(0.012 * iod)))
        for k, frac in enumerate((0.3, 0.5, 0.7)):
            line = arch + (top - v[GLABELLA]) * frac
            line = lerp(line, line.mean(0), 0.15)  # shorter than the brows
            crease(line[1:-1], s * (0.55 - 0.1 * k), thin)

    # AU4: two short furrows between the brows, bowed outwards and converging towards the nose, with
    # the bunched skin between them catching light (long straight lines up the forehead look drawn)
    s = _ramp(au["brow_lower"], 0.2, 0.9)
    if s > 0:
        mid = (v[BROW_INNER[0]] + v[BROW_INNER[1]]) / 2
        rise = v[GLABELLA] - v[NOSE_ROOT]  # (not ``up``: crease() reads that for every later crease)
        for side in (0, 1):
            inner = v[BROW_INNER[side]]
            a = lerp(inner, mid, 0.5) + rise * 0.6
            b = lerp(inner, mid, 0.42) + rise * 0.15
            c = lerp(inner, mid, 0.5) + -rise * 0.25
            crease(np.stack([a, b, c]), s, soft=True)
        ridge = np.round((np.stack([mid + rise * 0.35, mid - rise * 0.1]) - org) * (1 << SHIFT)).astype(np.int32)
        cv2.polylines(light, [ridge], False, 0.4 * s, max(1, int(round(0.05 * iod))), cv2.LINE_AA, SHIFT)

    # AU9: horizontal creases over the nose root and slanted ones on the nose sides
    s = _ramp(au["nose"], 0.2, 0.9)
    if s > 0:
        root = v[NOSE_ROOT]
        half = 0.11 * iod
        for k, dy in enumerate((0.0, 0.06)):
            c = root + np.array([0, dy * iod])
            crease(np.stack([c - [half, -0.01 * iod], c, c + [half, 0.01 * iod]]), s * (1 - 0.3 * k))
        for side, sign in ((0, -1), (1, 1)):
            a = lerp(v[NOSE_BRIDGE[1]], v[NOSE_WING[side]], 0.45)
            crease(np.stack([a + [sign * 0.02 * iod, -0.05 * iod], a + [sign * 0.06 * iod, 0.02 * iod]]), 0.8 * s)

    # AU6+12 / AU10: nasolabial folds, crow's feet, lower-lid bulge, cheek light
    for side, sign in ((0, -1), (1, 1)):
        smile = _ramp(au["smile_r" if side == 0 else "smile_l"], 0.15, 0.85)
        fold = max(smile, 0.8 * _ramp(au["lip_raise"], 0.2, 0.8), 0.7 * _ramp(au["nose"], 0.3, 0.9))
        if fold > 0:
            wing, corner = v[NOSE_WING[side]], v[MOUTH_CORNER[side]]
            a = wing + np.array([sign * 0.04 * iod, -0.02 * iod])
            b = lerp(wing, corner, 0.55) + np.array([sign * 0.1 * iod, 0])
            c = corner + np.array([sign * 0.1 * iod, 0.1 * iod])
            crease(np.stack([a, b, c]), fold)
        cheek = _ramp(au["cheek_r" if side == 0 else "cheek_l"], 0.2, 0.9)
        if smile * cheek > 0.01 or cheek > 0:
            k = max(smile, cheek) * cheek ** 0.5
            corner = v[EYE_OUTER[side]]
            for ang in (-28.0, 0.0, 26.0):
                r = np.radians(ang)
                d = np.array([sign * np.cos(r), np.sin(r)], np.float32)
                crease(np.stack([corner + d * 0.07 * iod, corner + d * 0.19 * iod]), 0.8 * k)
            lid = v[list(LOWER_LID[side])][2:7] + np.array([0, 0.07 * iod])
            crease(lid, 0.6 * k)
            apple = lerp(v[CHEEK[side]], corner, 0.15)
            cv2.circle(light, tuple(np.round((apple - org) * (1 << SHIFT)).astype(int)), int(0.16 * iod * (1 << SHIFT)),
                       0.6 * k, -1, cv2.LINE_AA, SHIFT)

    # AU15: marionette shadows; AU17: fold under the lower lip
    s = _ramp(au["frown"], 0.25, 0.9)
    if s > 0:
        for side, sign in ((0, -1), (1, 1)):
            c = v[MOUTH_CORNER[side]]
            crease(np.stack([c + [sign * 0.02 * iod, 0.03 * iod], c + [sign * 0.05 * iod, 0.16 * iod]]), 0.7 * s)
    s = _ramp(au["chin"], 0.25, 0.9)
    if s > 0:
        c = lerp(v[LOWER_LIP_BOTTOM], v[CHIN], 0.3)
        crease(np.stack([c - [0.13 * iod, -0.02 * iod], c, c + [0.13 * iod, 0.02 * iod]]), 0.7 * s)

    roi = frame[y0:y1, x0:x1]
    out = roi.astype(np.float32)
    if dark.any() or light.any() or soft_dark.any():
        sigma = max(0.6, 0.013 * iod)
        dark = cv2.GaussianBlur(dark, (0, 0), sigma) + cv2.GaussianBlur(soft_dark, (0, 0), 2 * sigma)
        light = cv2.GaussianBlur(light, (0, 0), 2.5 * sigma)
        out *= (1.0 - 0.35 * np.clip(dark, 0, 1) + 0.08 * np.clip(light, 0, 1))[..., None]

    # sadness: reddened eyes and lid rims (more blood in the conjunctiva, moist rims)
    s = _ramp(au["sad"], 0.2, 0.8)
    if s > 0:
        red = np.zeros_like(dark)
        for contour in EYE_CONTOUR:
            p = np.round((v[list(contour)] - org) * (1 << SHIFT)).astype(np.int32)
            cv2.fillPoly(red, [p], 1.0, cv2.LINE_AA, SHIFT)
            cv2.polylines(red, [p], True, 0.8, max(1, int(round(0.03 * iod))), cv2.LINE_AA, SHIFT)
        red = cv2.GaussianBlur(red, (0, 0), max(0.8, 0.012 * iod)) * s
        out[..., 0] *= 1.0 + 0.10 * red
        out[..., 1] *= 1.0 - 0.10 * red
        out[..., 2] *= 1.0 - 0.08 * red
    roi[:] = np.clip(out, 0, 255).astype(np.uint8)
