"""The tri-plane engine: its head layer follows the camera, the emotion and the motion code; it composites over
the mesh engine's frame; inversion fits the photo; the shipped checkpoint loads; the pipeline runs it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from tritalk.neural.engine_config import TriplaneConfig
from tritalk.neural.generator import TriplaneGenerator
from tritalk.neural.triplane_engine import SHIPPED, TriplaneEngine
from tritalk.types import EMOTIONS, IDX, Camera, CameraPath, Motion

NO_INVERSION = TriplaneConfig(inversion_steps=0)
MOUTH_CHANGE = 0.055  # at jawOpen +0.35; see test_shipped_mouth_opens_with_jawOpen_and_only_the_mouth_moves
WIDE_MOUTH_CHANGE = 0.09  # at jawOpen +0.7


@pytest.fixture(scope="module")
def generator():
    torch.manual_seed(0)
    from tritalk.neural.generator import TriplaneNetConfig

    net = dataclasses.replace(TriplaneNetConfig(), w_dim=16, z_dim=8, encoder_channels=4, encoder_input=32,
                              motion_channels=8, motion_res_blocks=1, mapper_hidden=16, synth_channels=8,
                              plane_res=8, plane_channels=4, decoder_hidden=8, feature_dim=4, render_res=8,
                              n_coarse=6, n_fine=4, sr_channels=8, out_res=16)
    g = TriplaneGenerator(net).eval()
    with torch.no_grad():
        g.decoder.net[-1].bias[0] = 4.0  # a volume with matter in it (a random one is nearly empty)
        for p in g.emotion_mapper.parameters():  # as after stage 3: every emotion moves the code
            p.normal_(std=0.3)
    return g


@pytest.fixture(scope="module")
def engine(subject256, generator):
    return TriplaneEngine(subject256, NO_INVERSION, generator=generator)


@pytest.fixture(scope="module")
def shipped(subject256):
    """The engine with the shipped trained checkpoint (no inversion: the encoder's code)."""
    return TriplaneEngine(subject256, NO_INVERSION)


def _motion(engine, n: int = 3, jaw: float = 0.0, emotion: int | None = None) -> Motion:
    m = Motion.still(n, 25.0, engine.subject.ref_expr)
    expr = m.expr.copy()
    expr[:, IDX["jawOpen"]] = np.clip(expr[:, IDX["jawOpen"]] + jaw, 0, 1)
    emo = None
    if emotion is not None:
        emo = np.zeros((n, len(EMOTIONS)), np.float32)
        emo[:, emotion] = 1.0
    return dataclasses.replace(m, expr=expr, emotion=emo)


def _layer(engine, motion, camera=Camera()):
    rgb, alpha, _ = engine.head_layers(motion, CameraPath(camera), 0, len(motion))
    return rgb, alpha


def test_head_layer_follows_the_camera(shipped):
    m = _motion(shipped, 1)
    front, a_front = _layer(shipped, m)
    left, _ = _layer(shipped, m, Camera(yaw=-30))
    right, a_right = _layer(shipped, m, Camera(yaw=30))
    assert np.abs(left - right).mean() > 0.01 and np.abs(front - right).mean() > 0.01
    # the face turns: its opacity's centre of mass moves sideways
    cols = np.arange(a_front.shape[-1])
    shift = (a_right[0].sum(0) @ cols) / a_right[0].sum() - (a_front[0].sum(0) @ cols) / a_front[0].sum()
    assert abs(shift) > 0.5


def test_head_layer_follows_the_motion_code(shipped):
    still, a_still = _layer(shipped, _motion(shipped, 1))
    open_jaw, a_open = _layer(shipped, _motion(shipped, 1, jaw=0.8))
    assert np.abs(still - open_jaw).mean() > 0.003
    lower = slice(a_still.shape[1] // 2, None)  # the jaw drops: more head below the middle
    assert a_open[0, lower].sum() > a_still[0, lower].sum()


def _mouth_region(engine, jaw: float) -> np.ndarray:
    """(R, R) weights of the mouth region at jaw opening ``jaw``, in the head window's pixels."""
    from tritalk.neural.head_window import cut_window, mouth_mask

    expr = _motion(engine, 1, jaw=jaw).expr[0]
    m = mouth_mask(engine.mesh, expr, np.zeros(6, np.float32), Camera())
    return cut_window(m, engine.box, engine.model.config.out_res)


def test_shipped_mouth_opens_with_jawOpen_and_only_the_mouth_moves(shipped):
    """The shipped model's mouth region (mean |RGB| change in [0, 1], weighted by the mouth region at that
    opening; this photo, no inversion) must follow jawOpen: speech keeps it at ~0.1-0.4. Measured: 0.062 at
    +0.35 and 0.107 at +0.7 (the fourth model, R at 128²: the layer and the region at 128²); the third model
    (64², motion-difference loss): 0.051 and 0.105; the first and second: 0.043 at +0.35. Those three fail
    this test; a model whose mouth stays shut gives ~0."""
    shut, _ = _layer(shipped, _motion(shipped, 1))
    for jaw, least in ((0.35, MOUTH_CHANGE), (0.7, WIDE_MOUTH_CHANGE)):
        region = _mouth_region(shipped, jaw)
        opened, _ = _layer(shipped, _motion(shipped, 1, jaw=jaw))
        change = float((np.abs(opened[0] - shut[0]).mean(-1) * region).sum() / region.sum())
        assert change > least, (jaw, change)
        # and only there: the eyes and forehead (the window's top third) stay put
        top = slice(0, shut.shape[1] // 3)
        assert np.abs(opened[0, top] - shut[0, top]).mean() < 0.1 * change


def test_head_layer_follows_the_emotion(engine):
    neutral, _ = _layer(engine, _motion(engine, 1, emotion=0))
    happy, _ = _layer(engine, _motion(engine, 1, emotion=EMOTIONS.index("happy")))
    none, _ = _layer(engine, _motion(engine, 1))  # no emotion track = neutral
    assert np.abs(neutral - happy).mean() > 1e-4
    assert np.array_equal(neutral, none)


def test_frames_are_the_head_over_the_mesh_frame(engine):
    m = _motion(engine, 2)
    frames = engine.render(m, CameraPath(Camera(yaw=20)), 0, 2)
    assert frames.shape == (2, 256, 256, 3) and frames.dtype == np.uint8
    assert np.array_equal(frames, engine.render(m, CameraPath(Camera(yaw=20)), 0, 2))  # same inputs, same pixels
    mesh = engine.mesh.render_frame(m.expr[0], m.head[0], Camera(yaw=20), m.gaze[0])
    cx, cy, half = engine.box
    outside = np.ones((256, 256), bool)
    outside[int(cy - half) - 1:int(cy + half) + 2, int(cx - half) - 1:int(cx + half) + 2] = False
    assert np.array_equal(frames[0][outside], mesh[outside])  # hair, body, background: the mesh engine's
    assert np.abs(frames[0][~outside].astype(int) - mesh[~outside]).mean() > 1.0  # the head: the network's


def test_inversion_fits_the_photo(subject256, generator):
    before = {k: v.clone() for k, v in generator.state_dict().items()}
    cfg = TriplaneConfig(inversion_steps=5, inversion_views=2, inversion_seconds=120.0)
    eng = TriplaneEngine(subject256, cfg, generator=generator)
    assert eng.inversion.steps == 5 and eng.inversion.loss_last < eng.inversion.loss_first
    assert all(torch.equal(before[k], v) for k, v in generator.state_dict().items())  # tuned on a copy


def test_shipped_checkpoint_is_small_and_emotion_travels_with_the_motion(tmp_path):
    assert (SHIPPED / "config.json").is_file() and (SHIPPED / "model.safetensors").stat().st_size < 50e6
    m = Motion.still(4, 25.0)
    emo = np.tile(np.eye(len(EMOTIONS), dtype=np.float32)[EMOTIONS.index("sad")], (4, 1))
    m = dataclasses.replace(m, emotion=emo)
    m.save_npz(tmp_path / "m.npz")
    assert np.array_equal(Motion.load_npz(tmp_path / "m.npz").emotion, emo)
    with pytest.raises(Exception, match="Motion.emotion must be"):
        dataclasses.replace(m, emotion=emo[:2])


def test_inversion_difference_term_needs_a_rest_render_and_follows_its_weight(generator):
    from tritalk.neural.inversion import InversionTarget, _loss
    from tritalk.neural.volume import view_matrices

    torch.manual_seed(0)
    res = generator.config.out_res
    m, f = view_matrices(0.0, 0.0, 0.0, 3.5)
    mouth = torch.zeros(1, res, res)
    mouth[:, res // 2:, res // 4: 3 * res // 4] = 1.0
    shut = np.zeros((11, 52), np.float32)
    opened = shut.copy()
    opened[:, IDX["jawOpen"]] = 0.4

    def target(windows, rest=None):
        return InversionTarget(torch.rand(3, res, res), torch.ones(1, res, res), torch.from_numpy(windows),
                               torch.from_numpy(m), torch.tensor(f), mouth, rest)

    photo, other = target(shut), target(opened, rest=torch.rand(3, res, res))
    w = generator.identity_encoder(torch.rand(1, 3, generator.config.encoder_input, generator.config.encoder_input))
    with torch.no_grad():
        off = float(_loss(generator, w, [photo, other], 1.0, 0.0))
        one = float(_loss(generator, w, [photo, other], 1.0, 1.0))
        two = float(_loss(generator, w, [photo, other], 1.0, 2.0))
        no_rest = float(_loss(generator, w, [photo, dataclasses.replace(other, rest=None)], 1.0, 2.0))
    assert one > off and abs((two - off) - 2 * (one - off)) < 1e-5 and no_rest == off
