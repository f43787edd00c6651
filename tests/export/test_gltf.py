"""glTF export: the .glb parses, carries the 52 ARKit morph targets by name and one keyframe per video frame,
Khronos' validator finds 0 errors, three.js loads it, and the shapes move the face the way their names say."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from tritalk.export.gltf import CM, accessor_array, face_head, quaternions, read_glb, write_glb
from tritalk.face.model import INNER_LIP_MIDDLE
from tritalk.render.camera import rotation
from tritalk.types import BLENDSHAPES, IDX, AudioClip, Motion

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
needs_node = pytest.mark.skipif(shutil.which("node") is None or not (NODE_MODULES / "gltf-validator").is_dir()
                                or not (NODE_MODULES / "three").is_dir(),
                                reason="node or node_modules missing: run `npm ci` at the repo root (.ci/run does)")


def _motion(n: int = 30, fps: float = 25.0) -> Motion:
    rng = np.random.default_rng(0)
    expr = rng.uniform(0, 1, (n, len(BLENDSHAPES))).astype(np.float32)
    head = np.zeros((n, 6), np.float32)
    head[:, 0] = np.linspace(-0.3, 0.3, n)  # yaw
    head[:, 1] = 0.1
    head[:, 2] = -0.05
    head[:, 3:] = [0.2, -0.1, 0.3]
    gaze = np.tile(np.array([0.1, -0.05], np.float32), (n, 1))
    return Motion(expr, head, gaze, fps)


@pytest.fixture(scope="module")
def glb(tmp_path_factory, subject256) -> Path:
    path = tmp_path_factory.mktemp("glb") / "head.glb"
    audio = AudioClip(np.sin(np.linspace(0, 400, 48000 * 30 // 25)).astype(np.float32) * 0.5, 48000)
    write_glb(path, face_head(subject256), _motion(), audio)
    return path


def test_glb_has_the_52_arkit_morph_targets_and_a_keyframe_per_frame(glb):
    doc, binary = read_glb(glb)
    mesh = doc["meshes"][0]
    assert mesh["extras"]["targetNames"] == list(BLENDSHAPES)
    prim = mesh["primitives"][0]
    assert len(prim["targets"]) == 52
    assert accessor_array(doc, binary, prim["attributes"]["POSITION"]).shape == (468, 3)
    assert doc["images"][0]["mimeType"] == "image/png"
    (anim,) = doc["animations"]
    paths = sorted((doc["nodes"][c["target"]["node"]]["name"], c["target"]["path"]) for c in anim["channels"])
    assert paths == [("eyeLeft", "rotation"), ("eyeRight", "rotation"), ("face", "weights"),
                     ("head", "rotation"), ("head", "translation")]
    for sampler in anim["samplers"]:
        times = accessor_array(doc, binary, sampler["input"])
        np.testing.assert_allclose(times, np.arange(30) / 25.0, atol=1e-6)
    weights = next(s for s, c in zip(anim["samplers"], anim["channels"]) if c["target"]["path"] == "weights")
    np.testing.assert_allclose(accessor_array(doc, binary, weights["output"]).reshape(30, 52), _motion().expr,
                               atol=1e-6)
    with wave.open(str(glb.with_suffix(".wav"))) as w:  # the soundtrack beside it
        assert w.getframerate() == 48000 and w.getnframes() == 48000 * 30 // 25


def test_jaw_open_moves_the_lower_lip_down_and_leaves_the_upper_lip(glb):
    doc, binary = read_glb(glb)
    prim = doc["meshes"][0]["primitives"][0]
    pos = accessor_array(doc, binary, prim["attributes"]["POSITION"])
    jaw = accessor_array(doc, binary, prim["targets"][IDX["jawOpen"]]["POSITION"])
    upper, lower = INNER_LIP_MIDDLE
    opened = pos + 1.0 * jaw  # the exported geometry at jawOpen = 1
    assert opened[lower, 1] < pos[lower, 1] - 0.5 * CM  # the lower lip drops by more than 5 mm
    assert abs(opened[upper, 1] - pos[upper, 1]) < 0.3 * abs(opened[lower, 1] - pos[lower, 1])
    assert pos[upper, 1] > pos[lower, 1]  # y up: the neutral face is the right way up
    assert pos[10, 1] > pos[152, 1]  # forehead (10) above chin (152)


def test_still_model_shows_the_photos_expression_and_faces_forward(glb, subject256):
    doc, binary = read_glb(glb)
    mesh = doc["meshes"][0]
    np.testing.assert_allclose(mesh["weights"], subject256.ref_expr, atol=1e-6)
    pos = accessor_array(doc, binary, mesh["primitives"][0]["attributes"]["POSITION"]).astype(np.float64)
    morphs = np.stack([accessor_array(doc, binary, t["POSITION"]) for t in mesh["primitives"][0]["targets"]])
    # neutral + the photo's weights = the photo's own shape (what the renderer starts from), in metres
    np.testing.assert_allclose(pos + np.tensordot(mesh["weights"], morphs, axes=1), subject256.personal[:468] * CM,
                               atol=1e-5)
    tris = accessor_array(doc, binary, mesh["primitives"][0]["indices"]).reshape(-1, 3).astype(int)
    a, b, c = pos[tris[:, 0]], pos[tris[:, 1]], pos[tris[:, 2]]
    facing = np.cross(b - a, c - a)[:, 2]
    assert (facing > 0).mean() > 0.9  # counter-clockwise towards +z: glTF's front faces look out of the face


def test_head_quaternions_are_the_renderers_rotation():
    head = np.array([[0.3, -0.2, 0.1, 0, 0, 0], [-2.5, 0.4, 3.0, 0, 0, 0], [0, 0, 0, 0, 0, 0]], np.float32)
    for h, q in zip(head, quaternions(head)):
        x, y, z, w = q.astype(np.float64)
        m = np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                      [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                      [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])
        np.testing.assert_allclose(m, rotation(*h[:3]), atol=1e-5)
        assert abs(np.linalg.norm(q) - 1) < 1e-6


def _node(script: str, glb: Path) -> dict:
    """What tests/export/SCRIPT prints (JSON) for a .glb (node, with the repo's node_modules)."""
    proc = subprocess.run(["node", str(ROOT / "tests" / "export" / script), str(glb)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _assert_valid(glb: Path) -> None:
    issues = _node("validate_gltf.mjs", glb)["issues"]
    assert issues["numErrors"] == 0 and issues["numWarnings"] == 0, issues["messages"]


@needs_node
def test_khronos_validator_finds_no_errors_or_warnings(glb):
    _assert_valid(glb)


@needs_node
def test_three_js_loads_the_morph_targets_and_animation(glb):
    loaded = _node("load_three.mjs", glb)
    (mesh,) = loaded["meshes"]
    assert mesh["morphTargets"] == list(BLENDSHAPES) and mesh["texture"]
    (anim,) = loaded["animations"]
    assert {t["name"]: t["keyframes"] for t in anim["tracks"]} == {
        "face.morphTargetInfluences": 30, "head.quaternion": 30, "head.position": 30,
        "eyeLeft.quaternion": 30, "eyeRight.quaternion": 30}
    assert not loaded["warnings"]


def test_cli_export_glb_writes_the_head_and_its_audio(tmp_path, example_image_path, example_audio_path):
    out, glb = tmp_path / "talk.mp4", tmp_path / "head.glb"
    proc = subprocess.run([sys.executable, "-m", "tritalk.cli.main", "generate", "-i", str(example_image_path),
                           "-a", str(example_audio_path), "-o", str(out), "--size", "128", "--fps", "10",
                           "--export-glb", str(glb), "--no-record"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    doc, binary = read_glb(glb)
    (anim,) = doc["animations"]
    times = accessor_array(doc, binary, anim["samplers"][0]["input"])
    assert len(times) == 110 and abs(times[1] - 0.1) < 1e-6  # 11 s of speech at 10 fps
    assert glb.with_suffix(".wav").is_file()
    again = subprocess.run([sys.executable, "-m", "tritalk.cli.main", "generate", "-i", str(example_image_path),
                            "-a", str(example_audio_path), "-o", str(tmp_path / "b.mp4"), "--export-glb", str(glb)],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 6 and again.stderr.startswith("error: ") and "already exists" in again.stderr
    assert not (tmp_path / "b.mp4").exists()


@pytest.fixture(scope="module")
def full_glb(tmp_path_factory, subject256) -> Path:
    from tritalk.export.gltf import full_head
    from tritalk.render.mesh_engine import MeshEngine

    path = tmp_path_factory.mktemp("glb") / "full.glb"
    write_glb(path, full_head(MeshEngine(subject256)), _motion())
    return path


def test_the_full_head_is_exported_around_the_face(full_glb):
    """The mesh engine's full head (skull, ears, neck, hair) around the face, as the videos show it: it reaches far
    behind and above the face, its back is the hair's colour (the example's dark curls), not the face's skin, its
    skin next to the face follows the face's morph targets (jawOpen moves its chin region down), and the clip's morph
    weights drive it too."""
    doc, binary = read_glb(full_glb)
    face, skull = doc["meshes"]
    assert skull["name"] == "skull" and skull["extras"]["targetNames"] == list(BLENDSHAPES)
    fp, sp = face["primitives"][0], skull["primitives"][0]
    face_pos = accessor_array(doc, binary, fp["attributes"]["POSITION"]) / CM
    pos = accessor_array(doc, binary, sp["attributes"]["POSITION"]) / CM
    colour = accessor_array(doc, binary, sp["attributes"]["COLOR_0"])  # linear
    assert pos[:, 2].min() < face_pos[:, 2].min() - 12.0  # the back of the head, 12+ cm behind the face's deepest point
    assert pos[:, 1].max() > face_pos[:, 1].max() + 1.0  # the crown over the forehead
    back = (pos[:, 2] < face_pos[:, 2].min() - 8.0) & (pos[:, 1] > face_pos[:, 1].max() - 4.0)
    assert back.sum() > 100
    uv = accessor_array(doc, binary, fp["attributes"]["TEXCOORD_0"])
    view = doc["bufferViews"][doc["images"][0]["bufferView"]]
    import cv2

    tex = cv2.imdecode(np.frombuffer(binary, np.uint8, view["byteLength"], view.get("byteOffset", 0)), cv2.IMREAD_COLOR)
    h, w = tex.shape[:2]
    cheeks = tex[(uv[[50, 280], 1] * h).astype(int), (uv[[50, 280], 0] * w).astype(int)].mean() / 255.0
    assert np.median(colour[back].mean(1)) ** (1 / 2.2) < 0.6 * cheeks  # dark hair behind, not skin
    jaw = accessor_array(doc, binary, sp["targets"][IDX["jawOpen"]]["POSITION"]) / CM
    chin = (np.abs(pos[:, 0]) < 3.0) & (pos[:, 1] < face_pos[:, 1].min() + 2.0) & (pos[:, 2] > face_pos[:, 2].min())
    assert chin.any() and jaw[chin, 1].min() < -0.3  # the chin's skin beside the face opens with the jaw
    assert np.abs(jaw[pos[:, 2] < face_pos[:, 2].min() - 8.0]).max() == 0.0  # the back of the head keeps still
    skull_node = next(i for i, n in enumerate(doc["nodes"]) if n.get("mesh") == 1)
    (anim,) = doc["animations"]
    assert {"node": skull_node, "path": "weights"} in [c["target"] for c in anim["channels"]]


@needs_node
def test_khronos_and_three_js_read_the_full_head(full_glb):
    _assert_valid(full_glb)
    loaded = _node("load_three.mjs", full_glb)
    face, skull = loaded["meshes"]
    assert skull["name"] == "skull" and skull["morphTargets"] == list(BLENDSHAPES) and not skull["texture"]
    tracks = {t["name"]: t["keyframes"] for t in loaded["animations"][0]["tracks"]}
    assert tracks["skull.morphTargetInfluences"] == 30 and not loaded["warnings"]
