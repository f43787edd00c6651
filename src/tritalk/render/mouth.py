"""Inner mouth for the mesh engine: shaded cavity, upper teeth fixed to the skull, lower teeth on the jaw.

Contract: ``draw_mouth(frame, lip_poly, upper_ref, lower_jaw, palette)`` paints, inside the
current inner-lip polygon (image px), a cavity and two rows of teeth. ``upper_ref`` is the
upper inner-lip line of the rest pose (where the upper teeth hang from), ``lower_jaw`` the lower
inner-lip line moved by the jaw only (where the lower teeth stand); both (N, 2) left->right.
Edges are anti-aliased with a sub-pixel polygon mask.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SHIFT = 4  # sub-pixel bits for cv2 polygon drawing


@dataclass(frozen=True)
class MouthPalette:
    cavity: np.ndarray  # (3,) float32 RGB of the dark mouth interior
    tongue: np.ndarray  # (3,) float32
    teeth: np.ndarray  # (3,) float32

    @classmethod
    def from_photo(cls, image: np.ndarray, lip_pts: np.ndarray, inner_poly: np.ndarray | None = None,
                   eye_polys: tuple[np.ndarray, ...] = ()) -> "MouthPalette":
        """Colours derived from the photo: the cavity and tongue from its lips (skin tone), the teeth
        from the whites of its eyes (same light, and white whatever the skin tone) or, when the
        photo's mouth shows teeth, from those."""
        x0, y0 = np.floor(lip_pts.min(0)).astype(int)
        x1, y1 = np.ceil(lip_pts.max(0)).astype(int)
        patch = image[max(y0, 0):max(y1, 1), max(x0, 0):max(x1, 1)].reshape(-1, 3).astype(np.float32)
        lip = np.median(patch, 0) if len(patch) else np.array([150, 90, 90], np.float32)
        teeth = np.array([228, 222, 208], np.float32)
        sclera = _brightest(image, eye_polys, 0.95)
        if sclera is not None:
            # the sclera sits in the shade of the orbit; the front teeth catch more light and are warmer
            # (measured on the two smiling dev photos that show teeth: 1.21x and 1.32x the brightest
            # sclera, 95th percentile, of the same photo)
            teeth = (np.clip(1.25 * sclera.mean(), 165, 240) * np.array([1.0, 0.97, 0.91])).astype(np.float32)
        palette = cls(cavity=lip * 0.18 + np.array([8, 2, 2]), tongue=lip * 0.55 + np.array([20, 0, 0]),
                      teeth=teeth)
        if inner_poly is None:
            return palette
        own = _brightest(image, (inner_poly,), 0.8, min_pixels=40)
        # the photo shows its teeth: bright, unsaturated and clearly lighter than the lips
        if own is not None and own.mean() > max(110.0, lip.mean() + 40) and np.ptp(own) < 45:
            palette = cls(palette.cavity, palette.tongue, (0.85 * own + 0.15 * palette.teeth).astype(np.float32))
        return palette


def _brightest(image: np.ndarray, polys, quantile: float, min_pixels: int = 8) -> np.ndarray | None:
    """Median RGB of the brightest pixels (luminance above ``quantile``) inside the polygons, or None."""
    if not polys:
        return None
    mask = np.zeros(image.shape[:2], np.uint8)
    for poly in polys:
        cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 1)
    inside = image[mask.astype(bool)].astype(np.float32)
    if len(inside) < min_pixels:
        return None
    lum = inside.mean(1)
    return np.median(inside[lum >= np.quantile(lum, quantile)], 0)


def _fill_mask(shape, poly: np.ndarray, x0: int, y0: int) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    pts = np.round((poly - [x0, y0]) * (1 << SHIFT)).astype(np.int32)
    cv2.fillPoly(m, [pts], 255, lineType=cv2.LINE_AA, shift=SHIFT)
    return m.astype(np.float32) / 255.0


def _curve_y(line: np.ndarray, xs: np.ndarray) -> np.ndarray:
    order = np.argsort(line[:, 0])
    return np.interp(xs, line[order, 0], line[order, 1])


def draw_mouth(frame: np.ndarray, lip_poly: np.ndarray, upper_ref: np.ndarray, lower_jaw: np.ndarray,
               palette: MouthPalette, visible: np.ndarray | None = None) -> None:
    """Paint the inner mouth into ``frame`` (H, W, 3) uint8, in place. ``visible`` (K, 3, 2): where only part of
    the opening faces the camera (a turned head), the triangles of it that do: nothing is painted outside
    them (the far half of the lip contour folds over the near one and reached out past the lips' profile)."""
    h, w = frame.shape[:2]
    x0, y0 = np.floor(lip_poly.min(0)).astype(int) - 2
    x1, y1 = np.ceil(lip_poly.max(0)).astype(int) + 2
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 2 or y1 - y0 < 1:
        return
    mask = _fill_mask((y1 - y0, x1 - x0), lip_poly, x0, y0)
    if visible is not None:
        shown = np.zeros((y1 - y0, x1 - x0), np.uint8)
        if len(visible):
            pts = np.round((visible - [x0, y0]) * (1 << SHIFT)).astype(np.int32)
            for tri in pts:
                cv2.fillConvexPoly(shown, tri, 1, lineType=cv2.LINE_8, shift=SHIFT)
        mask *= cv2.dilate(shown, np.ones((3, 3), np.uint8)).astype(np.float32)  # its edge stays the lips' own
    if mask.max() <= 0:
        return
    xs = np.arange(x0, x1, dtype=np.float32)
    ys = np.arange(y0, y1, dtype=np.float32)[:, None]
    width = max(float(np.ptp(lip_poly[:, 0])), 1.0)
    left, right = lip_poly[:, 0].min(), lip_poly[:, 0].max()
    u = np.clip((xs - left) / width, 0, 1)  # 0..1 across the mouth
    side_shade = 1.0 - 0.75 * np.abs(2 * u - 1) ** 2  # darker towards the corners (deeper inside)

    top = _curve_y(upper_ref, xs)
    bottom = _curve_y(lower_jaw, xs)
    # the dental arch belongs to the skull (upper) and the jaw (lower), not to the lips: its width is
    # the rest mouth's, so a smile that stretches the lips shows dark corridors beside the teeth
    cx = 0.5 * (upper_ref[:, 0].min() + upper_ref[:, 0].max())
    half = max(0.47 * float(np.ptp(upper_ref[:, 0])), 1.0)
    s = np.clip((xs - cx) / half, -1, 1)
    arch = np.sqrt(np.clip(1 - np.abs(s) ** 4, 0, 1))
    inside_arch = np.clip((1 - np.abs((xs - cx) / half)) * 6, 0, 1)
    rest_w = 2 * half
    # crown exposure below the rest upper lip / above the jaw's lower lip line (~6.5 mm and ~2.5 mm on a
    # 5 cm mouth, as in real speech: a dark gap opens between the rows at a few mm of lip parting)
    tooth_h_up = 0.13 * rest_w * arch
    tooth_h_lo = 0.05 * rest_w * arch
    # the crowns continue behind the lips up to the gums (hidden at rest, shown when the upper lip
    # lifts in a smile or a sneer, or the lower lip is pulled down)
    gum_up, gum_lo = 0.16 * rest_w, 0.12 * rest_w
    upper = (np.clip((top + tooth_h_up - ys) / 1.0 + 0.5, 0, 1) * np.clip(ys - (top - gum_up) + 0.5, 0, 1)
             * inside_arch)
    lower = (np.clip((ys - (bottom - tooth_h_lo)) / 1.0 + 0.5, 0, 1) * np.clip(bottom + gum_lo + 0.5 - ys, 0, 1)
             * inside_arch)
    # gaps between teeth: narrow dark lines, denser towards the corners (perspective)
    phase = np.arcsin(s) / np.pi * 7.0  # ~8 visible teeth per row
    gap = np.clip(np.abs(((phase + 0.5) % 1.0) - 0.5) * 20 - 0.2, 0, 1)
    teeth_shade = (0.9 + 0.1 * gap) * (1.0 - 0.5 * s ** 2)  # the arch turns away from the light

    open_h = np.clip(bottom - top, 1.0, None)
    depth = np.clip((ys - top) / open_h, 0, 1)  # 0 at the upper lip .. 1 at the lower lip
    cavity = palette.cavity * (0.6 + 0.4 * side_shade[None, :, None]) * (1.0 - 0.3 * depth[..., None])
    tongue_w = np.clip((depth - 0.55) * 3, 0, 1) * side_shade[None, :]
    col = cavity * (1 - tongue_w[..., None]) + palette.tongue * 0.6 * tongue_w[..., None]
    # gums above the upper crowns, seen only when the upper lip lifts far (a sneer, a broad smile)
    # (and above them the inner side of the lifted lip: mucosa, never the dark cavity)
    gums = np.clip(top - gum_up + 1.0 - ys, 0, 1) * inside_arch
    col = col * (1 - gums[..., None]) + (palette.tongue * 0.8)[None, None] * gums[..., None]  # in the lip's shade
    # crowns: lighter at the biting edge, in the lips' shade towards the gums
    edge_up = np.clip((ys - (top - gum_up)) / (gum_up + tooth_h_up + 1e-3), 0, 1)
    edge_lo = np.clip(((bottom + gum_lo) - ys) / (gum_lo + tooth_h_lo + 1e-3), 0, 1)
    t_up = upper[..., None] * (palette.teeth * (teeth_shade * (0.85 + 0.15 * edge_up))[..., None])
    col = col * (1 - upper[..., None]) + t_up
    t_lo = lower[..., None] * (palette.teeth * (teeth_shade * (0.78 + 0.15 * edge_lo))[..., None])
    col = col * (1 - lower[..., None]) + t_lo
    # the lips cast a soft shadow into the mouth
    shadow = cv2.GaussianBlur(1.0 - mask, (0, 0), max(width * 0.02, 0.7))
    col *= (1.0 - 0.4 * shadow)[..., None]
    region = frame[y0:y1, x0:x1].astype(np.float32)
    frame[y0:y1, x0:x1] = np.clip(region * (1 - mask[..., None]) + col * mask[..., None], 0, 255).astype(np.uint8)
