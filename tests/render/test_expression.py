"""Expressions on a warped photo, measured by MediaPipe on the rendered frames: the upper face moves
as far as an emotion needs (brows, lids), the outline and hair do not tear, a lifted lip shows teeth."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from helpers import photo_plus
from tritalk.face.model import FACE_OVAL, inner_lip_polygon
from tritalk.render.mesh_engine import MeshEngine
from tritalk.types import IDX

ZERO_HEAD = np.zeros(6, np.float32)


def expr(**kw) -> np.ndarray:
    """ARKit coefficients; a name without Left/Right sets both sides."""
    e = np.zeros(52, np.float32)
    for k, v in kw.items():
        for n in (k, k + "Left", k + "Right"):
            if n in IDX:
                e[IDX[n]] = v
    return e


@pytest.fixture(scope="module")
def engine(subject256):
    return MeshEngine(subject256)


def measure(analyser, frame) -> tuple[float, float]:
    """(brow-to-upper-lid height, lid opening), both / inter-ocular distance, from MediaPipe on the frame."""
    lm = analyser.detect_all(frame)[0].landmarks
    iod = np.linalg.norm(lm[33, :2] - lm[263, :2])
    brow = ((lm[159, 1] - lm[105, 1]) + (lm[386, 1] - lm[334, 1])) / 2
    lids = ((lm[145, 1] - lm[159, 1]) + (lm[374, 1] - lm[386, 1])) / 2
    return float(brow / iod), float(lids / iod)


def test_raised_and_lowered_brows_and_wide_eyes_are_measured(engine, analyser):
    brow0, lids0 = measure(analyser, engine.render_frame(photo_plus(engine, expr()), ZERO_HEAD))
    brow_up, _ = measure(analyser, engine.render_frame(photo_plus(engine, expr(browInnerUp=1, browOuterUp=1)), ZERO_HEAD))
    brow_down, _ = measure(analyser, engine.render_frame(photo_plus(engine, expr(browDown=1)), ZERO_HEAD))
    _, lids_wide = measure(analyser, engine.render_frame(photo_plus(engine, expr(eyeWide=1)), ZERO_HEAD))
    # real faces: brows rise ~10-15 mm in surprise (~0.12-0.17 IOD), lower ~3-6 mm in anger; the lids
    # open ~2-4 mm wider. ICT's own shapes (without the engine's gain) give about half of this.
    assert brow_up > brow0 + 0.09
    assert brow_down < brow0 - 0.02
    assert lids_wide > lids0 + 0.02


def test_tightened_lids_stay_open(engine, analyser):
    """An angry squint narrows the eyes; it must not shut them (that is a blink)."""
    _, lids0 = measure(analyser, engine.render_frame(photo_plus(engine, expr()), ZERO_HEAD))
    _, lids = measure(analyser, engine.render_frame(photo_plus(engine, expr(browDown=1, eyeSquint=0.6, cheekSquint=0.7, noseSneer=1)),
                                              ZERO_HEAD))
    assert 0.25 * lids0 < lids < 0.95 * lids0


@pytest.mark.parametrize("shapes", [dict(browDown=1, noseSneer=1, cheekSquint=1), dict(browInnerUp=1, browOuterUp=1)])
def test_expressions_leave_hair_and_background_alone(engine, subject256, shapes):
    """The amplified features move inside the face; the outline, the sheet glued to it (forehead, hair)
    and the background stay put, without torn or filled-in patches."""
    rest = engine.render_frame(photo_plus(engine, expr()), ZERO_HEAD).astype(np.float32)
    frame = engine.render_frame(photo_plus(engine, expr(**shapes)), ZERO_HEAD).astype(np.float32)
    face = np.zeros(rest.shape[:2], np.uint8)
    cv2.fillPoly(face, [np.round(subject256.observation.landmarks[list(FACE_OVAL), :2]).astype(np.int32)], 1)
    outside = cv2.dilate(face, np.ones((9, 9), np.uint8)) == 0
    diff = cv2.blur(np.abs(frame - rest).mean(2), (5, 5))
    # a torn or filled-in patch changes hundreds of pixels by 20+; hair at the outline may shift a little
    assert (diff[outside] > 6).mean() < 0.0012


def test_lifted_upper_lip_shows_teeth_and_gums_not_a_hole(engine, analyser):
    frame = engine.render_frame(photo_plus(engine, expr(mouthUpperUp=1.0)), ZERO_HEAD)
    lm = analyser.detect_all(frame)[0].landmarks
    mask = np.zeros(frame.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(lm[list(inner_lip_polygon()), :2]).astype(np.int32)], 1)
    inside = frame[mask.astype(bool)].astype(np.float32)
    assert len(inside) > 60  # the lip is lifted: the mouth shows
    assert (inside.mean(1) < 50).mean() < 0.2  # teeth (and gums above them), no dark hole under the lip
    assert ((inside.mean(1) > 130) & (np.ptp(inside, axis=1) < 60)).mean() > 0.15  # teeth


def test_teeth_follow_the_light_on_the_eye_whites_not_the_lips():
    """Teeth colour: from the brightest part of the eye openings (same light), white whatever the lips."""
    from tritalk.render.mouth import MouthPalette

    def photo(sclera: float) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
        img = np.full((200, 200, 3), (150, 110, 90), np.uint8)  # skin
        img[140:160, 70:130] = (170, 60, 70)  # red lips
        eyes = (np.array([[40, 60], [80, 60], [80, 75], [40, 75]], np.float32),
                np.array([[120, 60], [160, 60], [160, 75], [120, 75]], np.float32))
        for e in eyes:
            img[62:74, int(e[0, 0]) + 2:int(e[1, 0]) - 2] = sclera
        lips = np.array([[70, 140], [130, 140], [130, 160], [70, 160]], np.float32)
        return img, lips, eyes

    bright = MouthPalette.from_photo(*photo(200)[:2], eye_polys=photo(200)[2]).teeth
    dim = MouthPalette.from_photo(*photo(150)[:2], eye_polys=photo(150)[2]).teeth
    assert bright.mean() > dim.mean() + 20  # the same light as the eyes
    for t in (bright, dim):
        assert np.ptp(t) < 0.15 * t.mean()  # white-ish, not lip-red (lips here: 170, 60, 70)


def test_expression_shading_follows_the_deformed_surface(subject256):
    """A lowered brow overhangs the eye and a smile raises the cheeks: a key light above the camera on
    the new surface shades them (darker under the brow, lighter on the cheek apples), while skin that
    does not move keeps its exact colour."""
    import dataclasses

    shaded = MeshEngine(subject256)
    flat = MeshEngine(subject256, dataclasses.replace(shaded.config, expression_shading=0.0, expression_specular=0.0))
    lm = subject256.observation.landmarks[:, :2]

    def region(frame: np.ndarray, idx: tuple[int, ...]) -> float:
        mask = np.zeros(frame.shape[:2], np.uint8)
        cv2.fillPoly(mask, [np.round(lm[list(idx)]).astype(np.int32)], 1)
        return float(frame[mask.astype(bool)].astype(np.float32).mean())

    upper_lid_r = (70, 63, 105, 66, 107, 133, 173, 157, 158, 159, 160, 161, 246, 33)  # brow down to the lid
    angry = expr(browDown=1)
    darker = region(shaded.render_frame(photo_plus(shaded, angry), ZERO_HEAD), upper_lid_r)
    assert darker < region(flat.render_frame(photo_plus(flat, angry), ZERO_HEAD), upper_lid_r) - 1.0
    smile = expr(mouthSmile=1, cheekSquint=1)
    a, b = shaded.render_frame(photo_plus(shaded, smile), ZERO_HEAD).astype(np.float32), flat.render_frame(photo_plus(flat, smile), ZERO_HEAD).astype(np.float32)
    where = shaded.project(shaded.expr_delta(photo_plus(shaded, smile)), ZERO_HEAD)[:, :2]  # the smiling face's landmarks
    for apple in (50, 280):  # the apples of the cheeks, raised by the smile
        x, y = np.round(where[apple]).astype(int)
        assert a[y - 2:y + 3, x - 2:x + 3].mean() > b[y - 2:y + 3, x - 2:x + 3].mean() + 1.0
    # the forehead does not move when the jaw opens: same pixels with and without shading (no drift,
    # no rounding loss)
    forehead = (67, 109, 10, 338, 297, 299, 337, 151, 108, 69)
    jaw = expr(jawOpen=0.4)
    a, b = shaded.render_frame(photo_plus(shaded, jaw), ZERO_HEAD), flat.render_frame(photo_plus(flat, jaw), ZERO_HEAD)
    mask = np.zeros(a.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(lm[list(forehead)]).astype(np.int32)], 1)
    assert np.abs(a.astype(int) - b.astype(int))[mask.astype(bool)].max() <= 1


def test_skin_highlight_is_added_so_dark_skin_shows_it_too(subject256):
    """The diffuse shading scales with the skin's colour (a ratio), the highlight does not: on the same
    face made three times darker, the smile's cheek apples gain the same grey levels from the highlight
    and a third of them from the diffuse ratio."""
    import dataclasses

    dark = dataclasses.replace(subject256, image=(subject256.image.astype(np.float32) / 3).astype(np.uint8))
    smile = expr(mouthSmile=1, cheekSquint=1)
    gains = {}
    for name, subject in (("light", subject256), ("dark", dark)):
        base = MeshEngine(subject).config
        engines = {kind: MeshEngine(subject, dataclasses.replace(base, expression_shading=sh, expression_specular=sp))
                   for kind, sh, sp in (("flat", 0.0, 0.0), ("diffuse", 1.0, 0.0), ("highlight", 0.0, 80.0))}
        frames = {k: e.render_frame(photo_plus(e, smile), ZERO_HEAD).astype(np.float32) for k, e in engines.items()}
        where = engines["flat"].project(engines["flat"].expr_delta(photo_plus(engines["flat"], smile)), ZERO_HEAD)[:, :2]
        for kind in ("diffuse", "highlight"):
            gains[name, kind] = np.mean([(frames[kind] - frames["flat"])[y - 2:y + 3, x - 2:x + 3].mean()
                                         for x, y in np.round(where[[50, 280]]).astype(int)])
    assert gains["light", "highlight"] > 2.0 and gains["light", "diffuse"] > 2.0
    assert abs(gains["dark", "highlight"] - gains["light", "highlight"]) < 0.2 * gains["light", "highlight"]
    assert gains["dark", "diffuse"] < 0.5 * gains["light", "diffuse"]


@pytest.mark.parametrize("field", ["expression_shading", "expression_specular"])
@pytest.mark.parametrize("value", [-0.5, float("nan"), float("inf")])
def test_bad_shading_strength_is_a_config_error(field, value):
    from tritalk.errors import ConfigError
    from tritalk.render.mesh_engine import MeshEngineConfig

    with pytest.raises(ConfigError, match=field):
        MeshEngineConfig(**{field: value})


def test_the_mouth_is_painted_only_where_its_opening_faces_the_camera():
    """Seen from the side, the far half of the inner-lip contour folds over the near half and its polygon reached
    up over the upper lip (a dark hook at the mouth's front end at +-60 deg on an open-mouthed photo): only the
    opening's triangles that face the camera are painted, none where none does, and a front view is unchanged."""
    from tritalk.render.mouth import MouthPalette, draw_mouth

    palette = MouthPalette(np.array([60, 20, 20], np.float32), np.array([150, 60, 60], np.float32),
                           np.array([230, 230, 220], np.float32))
    upper = np.array([[20, 30], [30, 27], [40, 26], [50, 27], [60, 30]], np.float32)
    lower = np.array([[20, 30], [30, 36], [40, 38], [50, 36], [60, 30]], np.float32)
    poly = np.concatenate([upper, lower[::-1][1:-1]])

    def paint(visible=None):
        frame = np.full((64, 80, 3), 128, np.uint8)
        draw_mouth(frame, poly, upper, lower, palette, visible=visible)
        return np.abs(frame.astype(int) - 128).max(2) > 0

    whole = paint()
    fan = np.array([[poly[0], poly[i], poly[i + 1]] for i in range(1, len(poly) - 1)], np.float32)
    left = fan[fan[:, :, 0].max(1) <= 40]  # the part of the opening left of x = 40
    half = paint(left)
    assert whole.sum() > 100 and 0 < half.sum() < 0.8 * whole.sum()
    assert not half[:, 43:].any()  # nothing right of the visible triangles (x <= 40, plus a pixel of edge)
    assert not paint(np.zeros((0, 3, 2), np.float32)).any()
    assert (paint(fan) == whole).all()
