"""Configuration of the mesh engine (``render/mesh_engine.py``) and its portrait scene (``portrait_mesh.py``).

Plain values only (no renderer imports), so ``tritalk.config`` can hold them without loading numba.
Each tuned number carries what it does and why it has that value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tritalk.errors import ConfigError
from tritalk.face.model import EXPRESSION_GAIN


FACE_HOLE = 0.85  # the portrait sheet's grid leaves out points inside the face outline shrunk to this (its centre)


@dataclass(frozen=True)
class PortraitConfig:
    """The 2.5D scene around the face: a person sheet (hair, ears, neck, shoulders) and a background plate."""

    grid: int = 40  # sheet grid cells per side
    head_width_scale: float = 1.12  # head ellipsoid x radius / half face-outline width (ears, hair)
    head_depth_scale: float = 0.9  # z radius / x radius of the visible (front) half: flatter than a skull,
    # so the sheet next to the face does not open wide gaps when the view turns
    neck_fade: float = 0.45  # head weight fades to 0 over this many face heights below the chin
    background_depth: float = 3.0  # background plane distance behind the head centre, in head radii
    person_threshold: float = 0.5  # segmentation confidence that counts as person
    margin: float = 0.25  # sheet extends this fraction of the frame beyond each border
    torso_half_width: float = 1.5
    """With the full head the torso is an elliptic cylinder about the head's vertical axis: half its width
    in face-outline widths (shoulders about three faces wide) ..."""
    torso_depth: float = 0.5
    """... and its depth over that half width (a chest is about half as deep as it is wide); 0 = a plane."""
    torso_blend: float = 0.4
    """... reached over this many face heights below the chin (from the sheet's depth there)."""
    torso_back: bool = True
    """The torso has a back too (``portrait_mesh.build_scene``: the front's triangles from the shoulders' line down,
    as a shallow arc behind the cylinder's axis, in the clothes' colour at the body's side on each row): a turned
    body has a back, and the neck behind it runs into it."""
    torso_back_from: float = 0.15
    """(from this many face heights below the chin: the shoulders' outline is its top edge)"""
    torso_back_depth: float = 0.2
    """(how far the back bulges behind the cylinder's axis, over the cylinder's half width)"""
    torso_back_inset: float = 0.03
    """(how far inside the body's side, as a share of the frame, that colour is taken)"""
    beyond_slope: float = 0.5
    """Past the photo's left and right borders the shoulder's outline runs on at its slope at the border, at
    least this steeply down (rows per column outwards): ``portrait_mesh._BodyBeyond``."""
    background_fill: str = "patch"
    """How the background plate's hole (the person, grown) is filled: "patch" copies the wall's texture
    (background_fill.patch_fill); "smooth" is push-pull averaging, a blurred blob on curtains or shelves."""
    fill_patch: int = 7
    """Patch side [px] of the patch fill, at every pyramid level (odd)."""
    fill_coarsest: int = 32
    """The patch fill's pyramid halves the frame while its smaller side stays at least this [px]."""
    fill_em_steps: tuple[int, ...] = (2, 4)
    """EM steps (match, then vote) per matching pyramid level, finest first; the last value holds for the
    coarser ones."""
    fill_match_size: int = 256
    """Pyramid levels larger than this [px, larger side] do not match: they copy the next coarser level's
    matches at their own detail (one vote). Matching at full resolution was the fill's most expensive part
    (512^2 photo: 1.1 s with these defaults, on one core); this keeps a 1024^2 photo near that too."""
    fill_pm_iters: int = 2
    """PatchMatch passes (propagation + random search) per EM step."""
    fill_row_weight: float = 0.1
    """Soft penalty on a match's row offset, added to the patch's mean squared colour difference (colours in
    [0, 1]) as this * (offset / frame height)^2: a wall or curtain continues at its own height. The offset
    counts beyond the least any source allows (rows below the lowest source, where the torso meets the
    frame's edge, are free); at 0.5 those rows all copied the one flattest patch near them."""
    fill_vote_percentile: float = 5.0
    """A vote's weight is exp(-cost / (2 s)), s the matches' cost at this percentile (Wexler et al. take
    the 75th); lower keeps the best matches' texture, higher averages it away (at 75 the curtains behind
    obama_official_portrait came out as soft smeared folds)."""
    fill_plain_energy: tuple[float, float] = (0.5, 0.8)
    """Texture (mean |photo - 2 px blur|, grey levels) of the background near the hole below which it counts
    as plain (membrane shading + copied grain) / above which as textured (copied patches as they are).
    Medians measured: studio backdrops (london_*) 0.18, GRID's video frames (compressed) 0.32-0.35, a mottled
    backdrop 0.87, curtains 1.27. (At 0.35-0.7 GRID's blue wall was partly copied: its gradient's light and dark
    parts, pasted, left a head-shaped blob.)"""
    fill_membrane_levels: int = 2
    """On a plain backdrop the shading under the copied grain is the membrane (harmonic) interpolation of the
    hole's border, solved this many halvings coarser (push-pull's average left a lighter head-shaped blob)."""
    fill_seam: float = 0.05
    """The fill is re-solved (Poisson, its own gradients) within this fraction of the frame of the hole's border,
    so that it meets the wall without a step in tone ..."""
    fill_seam_sigma: float = 0.02
    """... in the broad part only (each side's Gaussian mean, this fraction of the frame; 10 px at 512, at least
    2): corrected in full, stripes copied out of step with the wall's were blended into a ghost of both."""
    fill_repeat_weight: float = 0.01
    """Cost per extra use of a source cell (patch-sized) beyond what the hole's size needs: the fill copies
    a feature of the wall (a fold, a picture frame) once rather than tiling it. At 0 the bottom of
    astronaut_eileen_collins_nasa's mottled backdrop was one flat patch copied over and over; at 0.05 the
    curtains broke into small fragments."""
    fill_band: float = 0.2
    """Source patches lie within this fraction of the frame of the hole (the background near the person)."""
    fill_seed: int = 0
    """Seed of PatchMatch's random initialisation and search: the same photo gives the same plate."""

    def __post_init__(self):
        if self.background_fill not in ("patch", "smooth"):
            raise ConfigError(f"background fill '{self.background_fill}' is unknown; choose patch or smooth")


HAIR_STYLES = ("auto", "short", "over_ears", "long")


@dataclass(frozen=True)
class HeadConfig:
    """The full head behind the face mesh (head_mesh.py, head_texture.py): ICT-FaceKit's skull, ears and neck."""

    align_sigma_cm: float = 1.5
    """Width of the Gaussian that carries each landmark's difference (photo - model) to the head's
    vertices: about the landmarks' spacing at the face outline, so the field is smooth between them."""
    align_reach_cm: float = 4.0
    """Beyond this distance from the face the head takes the landmarks' median difference (a shift)
    instead of the nearest ones: the back of the skull is not bent by the jaw line."""
    expr_reach_cm: float = 0.5
    """The head's skin follows the nearest face landmarks' expression motion, fading over this distance
    (Gaussian sigma): enough to keep the outline closed, short enough that hair and ears never swim."""
    neck_flare: float = 1.15
    """Vertices within ``neck_flare_rise_cm`` above the neck's cut (``neck_keep``) and farther from the face's
    middle than this many times the neck's half width (measured ``neck_flare_below`` face heights under the
    chin; with ``neck_flare_pull`` before long hair is hung behind it) are the model's shoulders flaring out:
    their triangles are dropped, or (``neck_flare_pull``) only those of the vertices facing the photo's camera."""
    neck_flare_pull: bool = True
    """The flare's vertices facing away from the photo's camera are pulled in to that width (triangles the pull
    folds to face the camera are dropped): the neck's back runs down into the frame's bottom. Dropped, they left the
    neck's back ending in a jagged fin in mid-air, its tip pointing back, at +-45-60 deg."""
    neck_flare_rise_cm: float = 1.0
    neck_flare_below: float = 0.1
    neck_flare_band_cm: float = 0.4
    """(the neck's half width is the widest of the model's vertices within this of that height)"""
    hair: str = "auto"
    """How the hair hangs on a turned head: "auto" (read from the photo: ``hang_fraction``, ``hang_side_share``,
    ``cover_share``), "long" (falls straight down behind the ears to the shoulders), "over_ears" (a bob: over the
    ears down to the jaw), "short" (a crop: neither). For photos whose long hair the reading misses (thin strands
    beside the neck in a small frame: a GRID speaker's) or finds where there is none."""
    hang_fraction: float = 0.25
    """Long hair (hanging_hair.py): at least this share of the pixels beside the neck (between ``hang_neck_band``
    face heights under the chin, 0.75-1.3 face half-widths from its middle; the wall included) are the person's
    and have the hair's colour. Measured: 0.36 on a long-haired GRID speaker, at most 0.14 on 17 dev portraits (short hair, hair
    tied back, crops, a bald head) ..."""
    hang_side_share: float = 0.1
    hang_side_chroma: float = 0.08
    hang_side_brightness: tuple[float, float] = (0.5, 2.0)
    """... or at least this share of the pixels beside the lower face, on each side (hanging_hair.side_hair_share: from
    the jaw's angles to the chin, 0.9-1.5 face half-widths out), have the colour of the hair beside the temples
    (chromaticity within ``hang_side_chroma``, brightness within ``hang_side_brightness``). Measured at 128-512 px:
    GRID lwbsza (curls to the shoulders, 0.00 by the test above) 0.65-0.68, GRID lbbc2a 0.13-0.33, the long-haired
    GRID speaker above 0.03-0.11; at most 0.04 on the 17 dev portraits, 8 other GRID frames and tests/data (one side
    alone: London 025's strand beside her neck reached 0.19 at 128 px)."""
    hang_ear_front_cm: float = -1.5
    """Long hair covers the head from this far in front of the face outline's widest points (negative: behind
    them), below the hair line: completed as hair, the ears left skin (``head_texture.complete_head_texture``). At
    +1 (from the ears' front) its strands also ran down the side of the face from the cheek to the ear, and
    MediaPipe found the long-haired GRID speaker at -60 deg in 7 % of the frames (-1.5: 70 %; -3: 80 %)."""
    hang_cm: float = 0.5
    """Long hair falls straight down from the head's widest reach (``head_mesh._hang_straight``), this thick ..."""
    hang_fall_front_cm: float = -4.0
    """... from this far in front of the face outline's widest points (negative: behind them; -4: the ears'
    middle) ..."""
    hang_fade_cm: float = 3.0
    """... faded in over this distance behind that front edge. (From ``hang_ear_front_cm`` over 1.5 cm, the hair
    beside the jaw stood out as a flat slab with a hard front edge from 15 deg of turn, and seen from above or
    below it framed the face like a hood.)"""
    hair_over_ears: bool = True
    """Hair that covers the ears in the photo falls over them down to the jaw's angle when turned (False: a crop
    over bare ears, the ears and the back of the head skin-coloured, as before)."""
    cover_share: float = 0.75
    """Hair over the ears (hanging_hair.hair_over_ears; a bob, hair to the jaw): at least this share of each ear's
    vertices the photo sees (``head_mesh.ear_region``) show the person in another colour than the skin, ...
    Measured (256 px): 0.91 / 0.96 on Collins (a bob over both ears); on the 20 other dev photos and GRID frames the
    lower of the two at most 0.63 (London 092's curls over the ears' tops: 0.63 / 0.71; hair over one ear, London
    003 and 038: 0.26-0.29 on the other) ..."""
    cover_low_share: float = 0.5
    """... and at least this share of those below midway between the eyes and the jaw's angle (hair hanging past the
    lobes, not curls over the ears' tops: London 092 0.44 / 0.06, Collins 0.63 / 0.86; on the dev photos
    ``cover_share`` alone decides, this one guards against thicker curls over the ears' tops)."""
    cover_front_cm: float = 0.0
    """Hair over the ears falls straight down (``head_mesh._hang_straight``) from this far in front of the face
    outline's widest points (the ears' front: they lie under it), faded in over ``hang_fade_cm`` behind it, ..."""
    cover_paint_front_cm: float = 2.0
    """... and is completed as hair from this far in front of them (where the photo does not show skin: up to the
    face's side; from ``cover_front_cm``, a skin-coloured strip ran down between the face and the hair) ..."""
    cover_bottom_cm: float = 0.0
    """... down to this height over the jaw's angle (the lobes' level), ..."""
    cover_fade_cm: float = 1.5
    """... faded out over this height below it (the hair's underside: the neck comes out under it)."""
    hang_neck_band: tuple[float, float] = (0.05, 0.5)
    hang_brightness: tuple[float, float] = (0.6, 1.5)
    """The hair's colour: its chromaticity (within ``hair_pattern_chroma``) at this brightness ratio to it."""
    hang_band: float = 0.12
    """Strands of long hair are looked for within this share of the face's width inside its outline, below the
    brows ..."""
    hang_side: float = 0.5
    """... at the face's sides: farther than this share of its half width from its middle ..."""
    hang_eye_clear: float = 0.08
    """... clear of the eyes by this share of the face's width (lashes and lids are dark too)."""
    neck_fade: float = 0.45
    """Head weight fades to 0 over this many face heights below the chin (as the portrait sheet's)."""
    neck_keep: float = 0.35
    """The model's neck is cut this many face heights below the chin: below, the collar and the torso
    are the portrait sheet's (a model neck running into the shirt turned into a skin-coloured bib)."""
    neck_behind_cm: float = 0.5
    """Below the chin and the jaw the portrait sheet is pushed this far behind the model's neck where the neck covers
    it at the photo's view (``MeshEngine._sheet_behind_neck``; inside the face's outline, behind the face:
    ``_sheet_behind_face``) ..."""
    neck_behind_reach: float = 0.15
    """... the push fading out beside the neck over about this many face widths (a Gaussian's sigma) ..."""
    neck_behind_smooth: float = 0.2
    """... and then, below the chin (entered over this reach below its row; the jaw keeps its own push), made smooth:
    each vertex takes the largest push within this many face widths, averaged over a Gaussian of this sigma (pushed
    to the neck's depth where the neck's sides curve back, the covered vertices lay centimetres behind those beside
    them: pits that tore the shirt beside a turned neck into notches and shards). 0: not smoothed."""
    neck_skin_chroma: float = 0.08
    """Chromaticity difference (L1 of r, g, b / sum) from the cheeks above which a neck vertex's photo colour
    is not skin (a white collar on pale skin differs by ~0.13): it is completed when the view turns ..."""
    neck_skin_brightness: tuple[float, float] = (0.3, 1.3)
    """... or brightness ratio to the cheeks outside this range (a neck in its own shadow keeps ~0.5)."""
    face_cut: float = 0.96
    """The model's triangles inside the face outline shrunk to this fraction (about its centre) are not
    drawn: the face mesh covers them; the ring left overlaps the face's edge so no gap opens."""
    face_cut_depth_cm: float = 1.0
    """... except, to the sides, where the head lies deeper than this behind the face outline's deepest point
    (its sides): the ear canals project inside the outline too, and cut away they left holes in the ears."""
    face_hole: float = FACE_HOLE
    """With the full head the portrait sheet drops its triangles whose centre lies inside the face outline shrunk to
    this fraction (about its centre): the hole its grid leaves for the face (``FACE_HOLE``, portrait_mesh.py), which
    Delaunay spans with a few large triangles."""
    sheet_keep_band: float = 0.01
    """The portrait sheet keeps its triangles within this fraction of the frame inside the head's rest
    outline (an overlap, so no crack opens between the head and the hair or collar around it)."""
    sheet_keep_top: float = 0.05
    """Above the brows the band is wider (a fraction of the frame): seen from below (pitch +20) the head's
    hair slides down off the photo's and a light band of background opened along the hair line; the
    sheet's hair kept behind the head fills it (at rest the head covers it)."""
    face_ring_stretch: tuple[float, float] = (1.8, 3.0)
    """Edge stretch at which the face's outline triangles start to show / fully show the face's smoothed
    colours (``face_fill_inset``): only where the photo's grazing edge pixels would be smeared into
    streaks; a lower start painted a flat oval over the cheek."""
    ring_fill_deg: tuple[float, float] = (5.0, 20.0)
    """... or as the view turns over these degrees (head pose + camera), whichever is more: the outline's own
    pixels mix in the wall beside the jaw (pale blotches at the jaw's side from 30 deg)."""
    ring_to_head: float = 1.0
    """At the face's outline, the stretched ring's colour is this far from the face's smoothed skin towards
    the head's completed colour beside it: 1 is a gradient from the face into the side of the head, where a
    flat crescent of the face's skin showed at +-20..60 deg. (MediaPipe held on to the crescent's dark surround
    at +-60 deg: with 1 it finds one face there less often, in 20-40 % of the frames on one side of each held-out
    photo; README, Free view.)"""
    face_fill_inset: float = 0.9
    """The face's smoothed colours (shown where a turn stretches its outline ring open) are sampled at
    this fraction of each vertex's distance from the face centre: the outline's own pixels mix in the wall."""
    edge_matte: float = 0.95
    """Where MediaPipe's face outline lies past the person's edge (on the wall beside the jaw: a GRID speaker's
    blue screen 6 px out at 512^2), the face's outline vertices sample the photo this far inside the person's matte
    instead, as the view turns (over ``ring_fill_deg``): their few wall-mixed pixels, stretched over the turned
    cheek, showed as a blue patch on it. At the photo's view they sample where they lie (the rest frame is the
    photo's) ..."""
    edge_reach: float = 0.03
    """... moved at most this far (a fraction of the frame) towards the face's centre, ..."""
    edge_margin: float = 0.003
    """... and this much further (a fraction of the frame) than the matte's level (the photo is sampled bilinearly,
    its edge is soft)."""
    min_shrink: float = 0.8
    """The skull may be narrowed / lowered to this fraction to fit inside the photo's person silhouette
    (ICT's head is an average adult's; a slim or bald head is smaller)."""
    min_neck: float = 0.8
    """The model's neck narrows to the photo's (``head_mesh._fit_neck``: the person matte's width over the model's on
    the rows ``neck_fit_rows_cm`` [from, to) under the chin), at most to this share; never wider ..."""
    neck_fit_rows_cm: tuple[float, float] = (0.5, 3.0)
    neck_fit_margin: float = 0.05
    """... plus this share of the model's width ..."""
    neck_fit_fade_cm: float = 1.5
    """... faded in over this under the jaw line (the jaw and the face stay put)."""
    silhouette_inside: float = 0.95
    """Share of the skull's outline band that must project inside the person silhouette after shrinking."""
    hair_max_cm: float = 6.0
    """The scalp grows out to the photo's hair silhouette, up to this thickness (0: a bald shell, the hair beyond
    it left to the portrait sheet) ..."""
    hair_fade_cm: float = 3.0
    """... fully from this height over the brows (none at the brows: the ears and temples keep the skull's)."""
    rim_facing: float = 0.2
    """|cos| between a skull normal and the photo's view below which the vertex is on the skull's outline."""
    matte_fill: bool = True
    """A turned head's pixels whose photo sample lies off the person's matte (the wall) show the completed colour
    (``MeshEngine._fill_disocclusions``), by as much as ``outside_fill_deg`` makes the head solid."""
    outside_fill_deg: float = 12.0
    """Skull surface the photo shows as background (see-through at the photo's view) turns into completed
    texture over this many degrees of turn, so the turned head is solid."""
    behind_cm: float = 0.4
    """The head is drawn this far behind the face mesh along the view: where both cover a pixel the
    face (the photo's exact landmarks) wins; small enough that the head's outline meets the face's."""
    visible_tol_cm: float = 0.3
    """Depth tolerance of the visibility test at the photo's view (z-buffer of the head itself)."""
    neck_band_cm: tuple[float, float] = (0.5, 3.0)
    """Gaussian widths [cm] (height, round the neck) of the smoothing of the completed neck's colours below the
    jaw (``head_texture._neck_bands``): a collar's edge runs round the neck, no teeth ..."""
    neck_band_fade_cm: float = 1.0
    """... faded in over this distance below the jaw line (chin to the jaw's angles)."""
    collar_side_facing: float = 0.6
    """The neck's sides (seen at a cosine to the photo's view under this) give the height of the clothes' line round
    the back of the neck (``head_texture._collar_fill``) ..."""
    collar_below_chin_cm: float = 3.0
    """... at least this far under the chin (level round the back; the neck's texture draws it a texel sharp,
    ``neck_texel_cm``) ..."""
    collar_soft_cm: float = 0.6
    """... across which the never-seen neck turns from skin into the clothes on the decimated head's vertices (level
    there: where the neck's texture is not drawn, at its front and under the jaw)."""
    neck_texture: bool = True
    """The neck below the jaw is drawn from a texture wrapped round it (``neck_texture.py``) ... (False: from the
    decimated head's vertex colours, as before, a fade as high as a triangle) ..."""
    neck_texel_cm: float = 0.15
    """... of texels this size: its edges (the clothes' line, a collar over a suit) as sharp as that across the
    decimated head's triangles."""
    front_on_facing: tuple[float, float] = (0.5, 0.8)
    """Cosines to the photo's view between which the neck's surface counts as seen front-on (fully above the
    second): clothes there (a collar, a tie's knot) keep the photo's pixels when the view turns instead of
    their completed colour, and keep their own colours in that completion (no smoothing round the neck)."""
    ear_top_cm: float = 1.5
    """The ears' region (``head_texture._ears``): up to this over the eyes ..."""
    ear_out_cm: float = 0.3
    """... beyond the face outline's half-width by more than this ..."""
    ear_back_cm: float = 6.0
    """... and up to this behind its widest points. Where the photo shows neither skin nor hair there (the wall
    in the ear's rim, its shadow), the ears are completed as the side of the face's skin (they were grey)."""
    ear_hollow_cm: float = 0.8
    """The completed ears' hollows are shaded (``head_texture._hollowness``: how far the surface within this
    radius rises above a vertex along its normal) ..."""
    ear_hollow_shade: float = 0.5
    """... darker by up to this share: with the head's soft front light alone a turned ear was a flat pale shape."""
    ear_wall_share: float = 0.25
    """An ear vertex whose photo colour lies more than this share of the way from the skin's towards the wall's
    behind it (the ear's rim mixes in the wall) is completed once the view turns, like one that is not skin: a
    GRID speaker's turned ear showed blue specks of the screen behind it."""
    seen_facing: tuple[float, float] = (0.15, 0.45)
    """Cosine between a vertex normal and the photo's view direction from which the photo's colour is
    trusted as a source for completion, and at which fully: grazing skin is dark and mixed with hair."""
    wall_distance: float = 40.0
    """RGB distance from the inpainted background below which a head vertex's photo colour counts (in
    proportion) as the wall behind the person rather than the head (segmentation halos, model ears wider
    than the photo's)."""
    hair_top_cm: float = 5.0
    """Seen skull vertices this far above the brows give the hair's colour (a bald head's: its skin)."""
    hair_chroma: float = 0.04
    """Chromaticity difference (L1 of r, g, b / sum) between the skull top's colour and the cheeks' ...
    """
    hair_darker: float = 0.8
    """... and brightness ratio, within which the skull top counts as skin (a bald head: its scalp is
    completed from the skin around it, shaded, not painted one flat colour). Blond hair on pale skin
    differs in chroma; dark hair in brightness."""
    hair_strands: float = 3.5
    """... but a skull top paler than the skin is hair only with strands: the photo's fine texture there
    (``head_texture._fine_texture``, grey levels) at least this. A bald scalp's shine is paler than the skin and
    of another hue, as grey hair is, but smooth (London 021: 2.3 at 256², 2.8 at 512²; the hair of the 18 other
    dev and test portraits: 4.5-10.5 and 5.5-15.7, the two paler than the skin 4.7-14.3); taken for hair, the
    shine painted the never-seen scalp its pale colour with a sharp edge above the ear."""
    hair_pattern_chroma: float = 0.06
    """The scalp takes the photo's hair pattern only where its colour is within this chromaticity difference
    (L1 of r, g, b / sum) of the hair's median (else the median): not the wall seen through the hair's edge."""
    hair_light_sigma: float = 0.15
    """The never-seen scalp's brightness is the seen hair's whose normals point as far up (their y) within
    about this (``head_texture._hair_level``) ..."""
    hair_light_facing: float = 0.05
    """... (the seen hair, down to this cosine between its normal and the photo's view: the hair at the head's
    outline faces sideways) ..."""
    hair_light_count: float = 8.0
    """... where at least this many seen hair vertices (Gaussian-weighted) are that near (else the nearest such) ..."""
    hair_light_range: tuple[float, float] = (0.35, 1.25)
    """... and within these ratios to the seen hair's median."""
    strands_gain: float = 0.7
    """The completed hair's strands (hair_strands.py) modulate its brightness by this times the photo's hair
    contrast (its fine grey-level change over its brightness: sleek hair faint, curls stronger; it counts the
    hair's shine too, hence < 1: at 1 London 025's sleek hair with a sheen turned into a blotchy cap) ..."""
    strands_max: float = 0.25
    """... at most this (a share of the brightness, one standard deviation) ..."""
    strands_fade_cm: float = 1.5
    """... fading in over this height above the hair line (``hair_from_cm`` over the brows) ..."""
    strands_coherence: tuple[float, float] = (0.45, 0.8)
    """... as clumps (curls, a crop) at or below the first orientation coherence of the photo's hair, as
    streaks (straight hair) at or above the second, mixed between ..."""
    strands_turn_deg: tuple[float, float] = (3.0, 10.0)
    """... and fading in between these turns (head pose + camera) from the photo's view."""
    hair_edge_sharpness: float = 2.0
    """The hair's edge on the completed head (the temples, the nape, hair over the ears' end) is drawn per pixel
    across this inverse share of the blend between the hair and the skin beside it (``head_texture._hair_edge``;
    1 or 0: the vertices' blend as before). Sharpened as the turn uncovers the completed head (``strands_turn_deg``):
    the photo's view is unchanged. 2 chosen by eye on GRID sbia1a, London 030 and Collins (1, 2, 3, 4 tried: from 3 a
    notch of the face's skin shows sharp where the photo's temple meets the model's hair line)."""
    hair_from_cm: float = -1.0
    """Never-seen skull vertices above this height over the brows (the ears' tops) are scalp: hair colour."""
    nape_behind_cm: float = 5.5
    """Behind the ears the hair line falls to the nape: from this far behind the face outline's widest points (the
    ears' back edge; the ears themselves stay skin) ..."""
    nape_fall_cm: float = 2.0
    """... over this much further back ..."""
    nape_cm: float = 0.0
    """... down to this height over the jaw's angle (the nape's hair line, about the ear lobes' level). Level all
    round, a short crop's turned head was hair only above the ears, a bare band behind them: an undercut."""
    side_skin_gap_cm: float = 2.0
    """The never-seen side of the head takes the face edge's skin colour from this far below the hair line
    (``hair_from_cm``): between the two the completion blends the hair into the skin (adjacent, a jagged edge) ..."""
    side_skin_below_cm: float = 1.5
    """... down to this far below the jaw's angle ..."""
    side_skin_back_cm: float = 3.5
    """... and from the face's widest outline points back to this far behind them (the ears reach ~3 cm)."""
    jaw_band_cm: float = 1.5
    """Head vertices below the eyes seen in the photo within this distance outside the face's outline (or
    inside it) count as unseen: the photo shows the person's own jaw edge there, not the neck behind it (the ears
    excepted: there the photo shows the ear)."""
    fill_light: tuple[float, float, float] = (0.0, 0.5, 1.0)
    """Direction (model frame: +y up, +z forward) of the soft light fixed to the head that shades the
    completed surface: the side of the head and the ears keep their relief."""
    fill_ambient: float = 0.55
    """Share of direction-free light in that shading (the side of a head in a portrait is not black)."""
    fill_shade_range: tuple[float, float] = (0.6, 1.05)
    """Bounds of that shading relative to the light on the seen surface it continues: relief, never a
    surface brighter than the photo's lit front (ears next to a grazing edge turned white)."""

    def __post_init__(self):
        if self.hair not in HAIR_STYLES:
            raise ConfigError(f"hair '{self.hair}' is unknown; choose one of {', '.join(HAIR_STYLES)}")


@dataclass(frozen=True)
class MeshEngineConfig:
    pivot_cm: tuple[float, float, float] = (0.0, -4.0, -9.0)  # neck pivot of head motion, from the face centroid
    border_blur: float = 0.02
    """The photo's outermost rows and columns are blurred along the edge (Gaussian sigma, a fraction of the
    frame) before they are continued past it: seen from above, the body below the photo shows its bottom row
    run on down, smoothly instead of as streaks of every detail (``mesh_engine._soft_border``)."""
    below_rows: float = 0.4
    """Rows of the photo continued below its bottom edge, a fraction of the frame (beyond: the last one) ..."""
    below_fade: float = 0.06
    """... over which each column fades from the edge row into the clothes beside it (a V-neck's skin does
    not run down to the frame's bottom seen from above; ``mesh_engine._continue_below``)."""
    unmix_band: float = 0.02
    """Once the camera turns, the photo's pixels at the person's edge (within this fraction of the frame of the
    matte's outline) are drawn with the wall's share taken out (``render/unmix_wall.py``), and the full head's
    completed colours are taken from them: the wall mixed into a GRID speaker's grey hair was cyan patches on the
    turned head. At the camera's rest the photo's own pixels (0 turns it off; the full head only) ..."""
    unmix_contrast: float = 30.0
    """... where the person's colour there and the wall's differ by at least this much (RGB distance)."""
    plate_photo_deg: float = 8.0
    """The background plate's hole is the person grown by a margin, filled. Where the photo shows the wall in that
    margin (person confidence under ``plate_wall_alpha``) the plate keeps the photo's own wall at the photo's
    view, turning into the fill by this many degrees of camera turn: at rest the fill showed round the head as
    a halo (a red band of curtain in front of Obama's window)."""
    plate_wall_alpha: float = 0.05
    plate_max_deg: float = 75.0
    """The wall behind turns with the camera at most this far (yaw and pitch): a plane seen edge-on collapses, and at
    90 deg the whole wall was a few horizontal lines."""
    wide_plate_deg: tuple[float, float] = (60.0, 25.0)
    """The background plate is continued past the photo's borders (``background_fill.outpaint``: the wall's
    texture copied on, a plain backdrop's shading continued) as far as a camera turned by this yaw and pitch
    sees (farther turns see its edge mirrored) ..."""
    wide_plate_max: float = 2.0
    """... at most this many frame widths on each side ..."""
    wide_plate_px: int = 131072
    """... made at a scale where about this many pixels are filled, then enlarged (at 512^2 by 3: the far wall a
    little soft; ~0.2 s once per photo)."""
    portrait: PortraitConfig = field(default_factory=PortraitConfig)
    full_head: bool = True
    """Draw ICT-FaceKit's full head (skull, ears, neck; head_mesh.py) behind the face: turned views show a
    real head side instead of the portrait sheet's ellipsoid proxy (`--no-full-head` turns it off). It
    costs 1.17-1.34x the face-only render at the rest view and 1.16-1.24x at 45 deg (a decimated head, only its
    drawn vertices transformed, the fill done where it shows: README, Measured); its seams still show at
    +-45-60 deg (README, Free view)."""
    head: HeadConfig = field(default_factory=HeadConfig)
    render_processes: int = 1
    """Worker processes rendering a chunk's frames (``MeshEngine.render``, render/frame_pool.py: forked once per
    engine, each frame whole); 0 = one per CPU core, at most 4; 1 = none (the threads below). Where there is
    no fork (Windows) or one core, the threads render. A frame's pixels do not depend on it. 1 by default
    (``--render-processes`` of generate and bench): a library may live in a process that must not fork (a Ray
    actor hung when its engine forked), and a Ctrl-C landing inside the fork was lost once in CI (fixed and
    tested; little tested since), so 0 (~10 % faster at 512² on 2 cores) is experimental."""
    render_threads: int = 0
    """Without worker processes: frames of a chunk rendered at once on threads (the frame kernels release the
    GIL); 0 = one per CPU core, at most 4. A frame's pixels do not depend on it."""
    expression_gain: tuple[tuple[str, float], ...] = tuple(EXPRESSION_GAIN.items())
    """Per-shape amplitude (a name without Left/Right covers both sides); 1 = the face model's own."""

    # --- expression light ------------------------------------------------------------------
    expression_shading: float = 1.0
    """Strength of the shading change an expression makes (0 = off): a soft key light above the viewer
    camera on the deformed surface over the same light on the photo's surface (a ratio image, per
    vertex, Lambert + ambient)."""
    key_light: tuple[float, float, float] = (0.0, -0.5, -1.0)
    """Direction towards the key light in the image frame (x right, y down, z away): above the viewer,
    like a ceiling light or a window seen from a desk; brows and cheeks change what it lights."""
    shading_ambient: float = 0.45
    """Share of ambient (direction-free) light: portraits are taken in soft light, and with less a
    lowered brow blackened the lids on the tuning portraits."""
    shading_ratio_range: tuple[float, float] = (0.6, 1.4)
    """Bounds of the light ratio, so a fold never turns black or white where the mesh is thin."""
    expression_specular: float = 80.0
    """Grey levels (of 255) a full skin highlight adds: the change of a Blinn-Phong highlight of the same
    light between the deformed surface and the photo's, added (a highlight does not scale with the skin's
    colour, so it also shows a dark skin's folds); 0 = off."""
    specular_exponent: float = 16.0
    """Blinn-Phong exponent: a broad highlight (oily skin under soft light), not a point of glare."""

    # --- eyes --------------------------------------------------------------------------------
    rigid_eyes: bool = True
    """The lids slide over a rigid eyeball (raised lids uncover the white above the iris) instead of
    stretching it (``render/eyes.py``)."""
    eyeball_radius_cm: float = 1.2
    """Adult eyeball radius (~12 mm): the iris moves by this times sin(gaze)."""
    lid_shut_start: float = 0.45
    """eyeBlink value from which the closed-lid texture fades in (below it the warped lids still show the eye) ..."""
    lid_shut_span: float = 0.4
    """... and over how much more it fades in fully (at 0.85 the lids meet)."""

    # --- disocclusions and edges ------------------------------------------------------------
    disocclusion_stretch: tuple[float, float] = (1.25, 1.75)
    """Edge stretch of a sheet triangle (turned view / photo) at which the person's filled-in colours start
    to show and at which they have replaced the photo: a gap opening as the view turns shows the person's
    own smoothed colours instead of the see-through background of the photo."""
    edge_depth_jump: float = 0.15
    """A depth jump (fraction of the frame size) between neighbouring pixels that counts as an occlusion
    edge and is anti-aliased (the cheek over the background in a turned view)."""

    def __post_init__(self):
        if not (isinstance(self.render_processes, int) and 0 <= self.render_processes <= 64):
            raise ConfigError(f"render processes {self.render_processes} is invalid; use 0 (one per CPU core) to 64, "
                              "or 1 to render in this process")
        if not (np.isfinite(self.expression_shading) and self.expression_shading >= 0):
            raise ConfigError(f"expression_shading must be a finite number >= 0, got {self.expression_shading}")
        if not (np.isfinite(self.expression_specular) and self.expression_specular >= 0):
            raise ConfigError(f"expression_specular must be a finite number >= 0, got {self.expression_specular}")
        if not 0.0 <= self.shading_ambient < 1.0:
            raise ConfigError(f"shading_ambient must be in [0, 1), got {self.shading_ambient}")
        lo, hi = self.disocclusion_stretch
        if not 1.0 <= lo < hi:
            raise ConfigError(f"disocclusion_stretch must be (start, end) with 1 <= start < end, got {lo, hi}")
        if not (0.0 <= self.lid_shut_start < 1.0 and self.lid_shut_span > 0):
            raise ConfigError(f"lid_shut_start must be in [0, 1) and lid_shut_span > 0, got "
                              f"{self.lid_shut_start}, {self.lid_shut_span}")
        if not np.linalg.norm(self.key_light) > 0:
            raise ConfigError("key_light must be a non-zero direction")
