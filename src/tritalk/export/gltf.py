"""glTF 2.0 export: the fitted, textured head with the 52 ARKit blendshapes as morph targets, animated.

    head = face_head(subject)                      # the face alone (any engine)
    head = full_head(mesh_engine)                  # ... with the mesh engine's full head around it
    write_glb("talk.glb", head, motion)            # one binary .glb, texture embedded

The file (glTF 2.0, binary GLB: a 12-byte header, one JSON chunk, one BIN chunk):

* **Scene**: ``tritalk`` (root) > ``head`` (animated rotation + translation, origin at the neck pivot
  the renderer turns the head about) > ``face`` (the mesh, offset by -pivot) and ``eyeLeft`` /
  ``eyeRight`` (empty nodes at the eyeball centres, animated with the gaze: joints to retarget to,
  the photo's eyes are painted on the face), and with a full head ``skull`` (offset by -pivot).
* **Skull** (``full_head``): ICT-FaceKit's head as the mesh engine draws it behind the face (skull, ears, neck,
  hair's volume; the decimated surface), ``behind_cm`` behind the face's surface, coloured per vertex (COLOR_0,
  linear: the photo where it saw the vertex front-on, the completed colour elsewhere; the per-pixel strands and the
  neck's texture are the renderer's only), with the same 52 morph targets (sparse: the vertices next to the face
  that follow its expression) and the same weights animation. Its neck turns with the head (the renderer keeps
  the neck's foot with the torso).
* **Mesh**: positions in metres, at the neutral expression (all ARKit weights 0); glTF's frame is
  the model frame (+x the subject's left, +y up, +z out of the face); TEXCOORD_0 into the portrait
  crop (PNG, unlit material: the photo already holds its light); 52 morph targets (POSITION deltas)
  named in ``mesh.extras.targetNames`` with ARKit's names (Blender and three.js read them);
  ``mesh.weights`` = the portrait's own expression, so the still model shows the photo's face.
* **Animation** ``talk``: one keyframe per video frame (t = i / fps), LINEAR: the 52 morph weights
  (Motion.expr, absolute ARKit values), the head's rotation (Motion.head yaw/pitch/roll, applied as
  roll @ yaw @ pitch like the renderer) and translation, and each eye's rotation (Motion.gaze).

``HeadMesh`` is the seam: ``face_head`` builds MediaPipe's 468-vertex face from a Subject, ``full_head`` adds the
mesh engine's head (``HeadMesh.skull``). Pure numpy + json + struct; the PNG is encoded with OpenCV, already a
dependency.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from tritalk.errors import OutputError
from tritalk.face.model import INNER_LIP_LOWER, INNER_LIP_UPPER, LEFT_IRIS, RIGHT_IRIS
from tritalk.face.subject import Subject
from tritalk.io.video import _umask  # one reading of the umask (it is process-wide)
from tritalk.render.camera import rotation
from tritalk.render.mesh_config import MeshEngineConfig
from tritalk.types import BLENDSHAPES, AudioClip, Motion

N_FACE = 468  # MediaPipe's face mesh; 468..477 are iris points, not in any triangle
CM = 0.01  # glTF's unit is the metre
MORPH_EPS_CM = 1e-3  # a skull vertex a morph target moves by less (10 micrometres) is left out of it (sparse)
GLB_MAGIC, GLB_VERSION = 0x46546C67, 2  # 'glTF'
CHUNK_JSON, CHUNK_BIN = 0x4E4F534A, 0x004E4942  # 'JSON', 'BIN\0'
FLOAT, UINT16, UINT32 = 5126, 5123, 5125  # accessor componentType
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963  # bufferView target
LINEAR, CLAMP_TO_EDGE = 9729, 33071  # sampler filter / wrap


@dataclass(frozen=True)
class SkullPart:
    """The full head around the face, coloured per vertex, in the face's model frame (cm)."""

    positions: np.ndarray  # (N, 3) float32 cm, at the neutral expression
    triangles: np.ndarray  # (F, 3) int, counter-clockwise seen from outside
    colours: np.ndarray  # (N, 3) float32 sRGB in [0, 1]
    moving: np.ndarray  # (M,) int the vertices the expressions move (next to the face)
    morphs: np.ndarray  # (52, M, 3) float32 cm per unit of each ARKit coefficient, BLENDSHAPES order


@dataclass(frozen=True)
class HeadMesh:
    """A textured head with ARKit blendshapes, in the model frame (cm): what ``write_glb`` exports."""

    positions: np.ndarray  # (N, 3) float32 cm, at the neutral expression (all ARKit weights 0)
    triangles: np.ndarray  # (F, 3) int, counter-clockwise seen from outside
    uv: np.ndarray  # (N, 2) float32 in [0, 1] into ``texture``, v down (glTF's convention)
    morphs: np.ndarray  # (52, N, 3) float32 cm per unit of each ARKit coefficient, BLENDSHAPES order
    texture: np.ndarray  # (H, W, 3) uint8 RGB
    pivot: np.ndarray  # (3,) cm: the point Motion.head rotates about
    eyes: np.ndarray  # (2, 3) cm: left, right eyeball centres (Motion.gaze rotates about them)
    base: np.ndarray  # (52,) the expression the texture shows (the portrait's own)
    skull: SkullPart | None = None  # the full head around the face (``full_head``); None: the face alone


def face_head(subject: Subject, config: MeshEngineConfig = MeshEngineConfig()) -> HeadMesh:
    """The Subject's face as the mesh engine renders it: the photo's own shape moved back to the neutral
    expression, the engine's blendshapes (expression gains included), the photo crop as texture."""
    from tritalk.render.mesh_engine import rendered_expr_basis  # the engine's shapes, one definition

    basis = rendered_expr_basis(subject.model, config)
    personal = subject.personal.astype(np.float32)
    neutral = personal - np.tensordot(subject.ref_expr, basis, axes=1)  # expr = ref_expr gives the photo
    tris = np.asarray(subject.model.triangles, np.int64)
    lips = list(set(INNER_LIP_UPPER) | set(INNER_LIP_LOWER))
    tris = tris[~np.all(np.isin(tris, lips), axis=1)]  # the mouth opening is a hole, as in the renderer (no lip
    # skin stretched across an open mouth); a full head brings its own mouth cavity
    if _facing(neutral[:N_FACE], tris) < 0:  # glTF's front faces are counter-clockwise
        tris = tris[:, ::-1]
    size = subject.image.shape[0]
    uv = subject.observation.landmarks[:N_FACE, :2].astype(np.float32) / np.float32(size)
    pivot = personal[:N_FACE].mean(0) + np.asarray(config.pivot_cm, np.float32)  # as MeshEngine.pivot
    eyes = np.stack([neutral[LEFT_IRIS[0]], neutral[RIGHT_IRIS[0]]]) - [0.0, 0.0, config.eyeball_radius_cm]
    return HeadMesh(neutral[:N_FACE], tris, np.clip(uv, 0.0, 1.0), basis[:, :N_FACE].astype(np.float32),
                    subject.image, pivot.astype(np.float32), eyes.astype(np.float32),
                    np.asarray(subject.ref_expr, np.float32))


def full_head(engine) -> HeadMesh:
    """``face_head`` of a mesh engine's Subject with the engine's full head around it (``HeadMesh.skull``): the
    drawn (decimated) surface, ``HeadConfig.behind_cm`` behind the face, moved back to the neutral expression, its
    colour per vertex the photo's where the photo saw it (``HeadTexture.unseen`` / ``outside`` 0) and the completed
    colour elsewhere, as a turned view shows it. An engine without a full head gives the face alone."""
    face = face_head(engine.subject, engine.config)
    if getattr(engine, "head", None) is None:
        return face
    head, tex = engine.head, engine.head_tex
    drawn = head.drawn()
    used = drawn.used
    base = np.asarray(engine.subject.ref_expr, np.float32)
    basis = np.zeros((len(base), len(head.rest), 3), np.float32)
    basis[:, head.moving] = head.expr_basis
    neutral = head.rest - np.tensordot(base, basis, axes=1)  # (expr = ref_expr gives the photo, as the face)
    positions = neutral[used] - np.array([0.0, 0.0, engine.config.head.behind_cm], np.float32)
    xy = tex.src[used].astype(np.float32)
    photo = cv2.remap(engine.subject.image, np.ascontiguousarray(xy[:, None, 0]), np.ascontiguousarray(xy[:, None, 1]),
                      cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)[:, 0].astype(np.float32)
    fill = np.clip(np.maximum(tex.unseen[used], tex.outside[used]), 0.0, 1.0)[:, None]
    colours = np.clip(((1.0 - fill) * photo + fill * tex.fill[used]) / 255.0, 0.0, 1.0)
    tris = drawn.triangles.astype(np.int64)
    a, b, c = positions[tris[:, 0]], positions[tris[:, 1]], positions[tris[:, 2]]
    out = (np.cross(b - a, c - a) * ((a + b + c) / 3.0 - positions.mean(0))).sum(1)
    if out.sum() < 0:  # glTF's front faces are counter-clockwise seen from outside
        tris = tris[:, ::-1]
    moving = np.flatnonzero(np.abs(basis[:, used]).max(axis=(0, 2)) > 0)
    skull = SkullPart(positions.astype(np.float32), tris, colours.astype(np.float32), moving,
                      np.ascontiguousarray(basis[:, used][:, moving], np.float32))
    return HeadMesh(face.positions, face.triangles, face.uv, face.morphs, face.texture, face.pivot, face.eyes,
                    face.base, skull)


def _linear(srgb: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1] -> linear (glTF's COLOR_0 is linear)."""
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4).astype(np.float32)


def _facing(v: np.ndarray, tris: np.ndarray) -> float:
    """> 0 when the triangles, taken counter-clockwise, face +z (out of the face) on the whole."""
    a, b, c = v[tris[:, 0]], v[tris[:, 1]], v[tris[:, 2]]
    return float(np.cross(b - a, c - a)[:, 2].sum())


def quaternions(head: np.ndarray) -> np.ndarray:
    """(T, 4) unit quaternions (x, y, z, w) of the renderer's head rotations, Motion.head[:, :3] [rad]."""
    return np.stack([_quaternion(rotation(*h[:3])) for h in head]).astype(np.float32)


def _quaternion(m: np.ndarray) -> np.ndarray:
    """(4,) x, y, z, w of a rotation matrix (3, 3) (Shepperd's method: stable for any angle), w >= 0."""
    m = m.astype(np.float64)
    tr = np.trace(m)
    if tr > 0:
        s = 2.0 * np.sqrt(tr + 1.0)
        q = [(m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s, 0.25 * s]
    else:
        i = int(np.argmax(np.diag(m)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * np.sqrt(max(1.0 + m[i, i] - m[j, j] - m[k, k], 1e-12))
        q = [0.0] * 4
        q[i] = 0.25 * s
        q[j] = (m[j, i] + m[i, j]) / s
        q[k] = (m[k, i] + m[i, k]) / s
        q[3] = (m[k, j] - m[j, k]) / s
    q = np.asarray(q)
    q = q if q[3] >= 0 else -q
    return q / np.linalg.norm(q)


class _Bin:
    """The BIN chunk being built: each array a 4-byte aligned bufferView, with its accessor."""

    def __init__(self):
        self.data = bytearray()
        self.views: list[dict] = []
        self.accessors: list[dict] = []

    def view(self, raw: bytes, target: int | None = None) -> int:
        self.data += b"\0" * (-len(self.data) % 4)
        view = {"buffer": 0, "byteOffset": len(self.data), "byteLength": len(raw)}
        if target is not None:
            view["target"] = target
        self.data += raw
        self.views.append(view)
        return len(self.views) - 1

    def accessor(self, a: np.ndarray, kind: str, target: int | None = None, bounds: bool = False) -> int:
        """``a`` (count, n) or (count,) as an accessor of ``kind`` (SCALAR, VEC3, ...); min/max with bounds."""
        if a.dtype == np.uint16:
            ctype, a = UINT16, np.ascontiguousarray(a, "<u2")
        elif a.dtype == np.uint32:
            ctype, a = UINT32, np.ascontiguousarray(a, "<u4")
        else:
            ctype, a = FLOAT, np.ascontiguousarray(a, "<f4")
        acc = {"bufferView": self.view(a.tobytes(), target), "componentType": ctype, "count": int(a.shape[0]),
               "type": kind}
        if bounds:
            flat = a.reshape(a.shape[0], -1)
            acc["min"], acc["max"] = flat.min(0).tolist(), flat.max(0).tolist()
        self.accessors.append(acc)
        return len(self.accessors) - 1


    def sparse(self, count: int, index: np.ndarray, values: np.ndarray) -> int:
        """A VEC3 float accessor of ``count`` zeros but at ``index`` (M,), where it is ``values`` (M, 3) (glTF's
        sparse accessor: only the moved vertices of a morph target are stored); min/max over all ``count``."""
        ctype, index = (UINT16, index.astype("<u2")) if count < 65535 else (UINT32, index.astype("<u4"))
        values = np.ascontiguousarray(values, "<f4")
        lo = np.minimum(values.min(0), 0.0) if len(values) else np.zeros(3)
        hi = np.maximum(values.max(0), 0.0) if len(values) else np.zeros(3)
        acc = {"componentType": FLOAT, "count": int(count), "type": "VEC3", "min": lo.tolist(), "max": hi.tolist()}
        if len(values):
            acc["sparse"] = {"count": int(len(values)),
                             "indices": {"bufferView": self.view(np.ascontiguousarray(index).tobytes()),
                                         "componentType": ctype},
                             "values": {"bufferView": self.view(values.tobytes())}}
        self.accessors.append(acc)
        return len(self.accessors) - 1


def glb_bytes(head: HeadMesh, motion: Motion | None = None) -> bytes:
    """The whole .glb file for a head and (optionally) its animation."""
    b = _Bin()
    pos = b.accessor(head.positions * CM, "VEC3", ARRAY_BUFFER, bounds=True)
    uv = b.accessor(head.uv, "VEC2", ARRAY_BUFFER)
    index_type = np.uint16 if len(head.positions) < 65535 else np.uint32
    indices = b.accessor(head.triangles.reshape(-1).astype(index_type), "SCALAR", ELEMENT_ARRAY_BUFFER)
    targets = [{"POSITION": b.accessor(d * CM, "VEC3", ARRAY_BUFFER, bounds=True)} for d in head.morphs]
    ok, png = cv2.imencode(".png", cv2.cvtColor(head.texture, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OutputError("cannot encode the texture as PNG; try another --size")
    image_view = b.view(png.tobytes())

    pivot, eyes = head.pivot.astype(np.float64), head.eyes.astype(np.float64)
    nodes = [
        {"name": "tritalk", "children": [1]},
        {"name": "head", "translation": (pivot * CM).tolist(), "children": [2, 3, 4]},
        {"name": "face", "mesh": 0, "translation": (-pivot * CM).tolist()},
        {"name": "eyeLeft", "translation": ((eyes[0] - pivot) * CM).tolist()},
        {"name": "eyeRight", "translation": ((eyes[1] - pivot) * CM).tolist()},
    ]
    meshes = [{
        "name": "face",
        "primitives": [{"attributes": {"POSITION": pos, "TEXCOORD_0": uv}, "indices": indices,
                        "material": 0, "mode": 4, "targets": targets}],
        "weights": [float(w) for w in head.base],
        "extras": {"targetNames": list(BLENDSHAPES)},
    }]
    materials = [{
        "name": "photo",
        "pbrMetallicRoughness": {"baseColorTexture": {"index": 0}, "metallicFactor": 0.0, "roughnessFactor": 1.0},
        "extensions": {"KHR_materials_unlit": {}},
    }]
    if head.skull is not None:
        s = head.skull
        kind = np.uint16 if len(s.positions) < 65535 else np.uint32
        meshes.append({
            "name": "skull",
            "primitives": [{"attributes": {"POSITION": b.accessor(s.positions * CM, "VEC3", ARRAY_BUFFER, bounds=True),
                                           "COLOR_0": b.accessor(_linear(s.colours), "VEC3", ARRAY_BUFFER)},
                            "indices": b.accessor(s.triangles.reshape(-1).astype(kind), "SCALAR", ELEMENT_ARRAY_BUFFER),
                            "material": 1, "mode": 4,
                            "targets": [{"POSITION": b.sparse(len(s.positions), s.moving[moved], d[moved] * CM)}
                                        for d in s.morphs for moved in [np.abs(d).max(1) > MORPH_EPS_CM]]}],
            "weights": [float(w) for w in head.base],
            "extras": {"targetNames": list(BLENDSHAPES)},
        })
        materials.append({"name": "completed", "pbrMetallicRoughness": {"metallicFactor": 0.0, "roughnessFactor": 1.0},
                          "extensions": {"KHR_materials_unlit": {}}})
        nodes[1]["children"].append(len(nodes))
        nodes.append({"name": "skull", "mesh": 1, "translation": (-pivot * CM).tolist()})
    doc = {
        "asset": {"version": "2.0", "generator": "tritalk"},
        "scene": 0,
        "scenes": [{"name": "tritalk", "nodes": [0]}],
        "nodes": nodes,
        "meshes": meshes,
        "materials": materials,
        "extensionsUsed": ["KHR_materials_unlit"],
        "textures": [{"sampler": 0, "source": 0}],
        "samplers": [{"magFilter": LINEAR, "minFilter": LINEAR, "wrapS": CLAMP_TO_EDGE, "wrapT": CLAMP_TO_EDGE}],
        "images": [{"name": "portrait", "bufferView": image_view, "mimeType": "image/png"}],
    }
    if motion is not None and len(motion):
        doc["animations"] = [_animation(b, head, motion)]
    doc["accessors"], doc["bufferViews"] = b.accessors, b.views
    doc["buffers"] = [{"byteLength": len(b.data)}]
    return _pack(doc, bytes(b.data))


def _animation(b: _Bin, head: HeadMesh, motion: Motion) -> dict:
    """Morph weights, head rotation + translation and eye rotations, one keyframe per video frame."""
    t = np.arange(len(motion), dtype=np.float64) / motion.fps
    times = b.accessor(t.astype(np.float32), "SCALAR", bounds=True)
    weights = b.accessor(np.clip(motion.expr, 0, 1).reshape(-1), "SCALAR")
    turn = b.accessor(quaternions(motion.head), "VEC4")
    move = b.accessor((head.pivot + motion.head[:, 3:6]) * CM, "VEC3")
    eye = np.zeros((len(motion), 3), np.float32)
    eye[:, :2] = motion.gaze  # horizontal (> 0 = +x) is a yaw, vertical (> 0 = up) a pitch
    look = b.accessor(quaternions(eye), "VEC4")
    samplers = [{"input": times, "output": out, "interpolation": "LINEAR"} for out in (weights, turn, move, look)]
    channels = [
        {"sampler": 0, "target": {"node": 2, "path": "weights"}},
        {"sampler": 1, "target": {"node": 1, "path": "rotation"}},
        {"sampler": 2, "target": {"node": 1, "path": "translation"}},
        {"sampler": 3, "target": {"node": 3, "path": "rotation"}},
        {"sampler": 3, "target": {"node": 4, "path": "rotation"}},
    ]
    if head.skull is not None:  # (node 5: the skull's morph weights follow the face's)
        channels.append({"sampler": 0, "target": {"node": 5, "path": "weights"}})
    return {"name": "talk", "samplers": samplers, "channels": channels}


def _pack(doc: dict, binary: bytes) -> bytes:
    """GLB container: header, JSON chunk (space-padded), BIN chunk (zero-padded), 4-byte aligned."""
    text = json.dumps(doc, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    binary += b"\0" * (-len(binary) % 4)
    total = 12 + 8 + len(text) + 8 + len(binary)
    return b"".join([struct.pack("<III", GLB_MAGIC, GLB_VERSION, total),
                     struct.pack("<II", len(text), CHUNK_JSON), text,
                     struct.pack("<II", len(binary), CHUNK_BIN), binary])


def read_glb(path: str | Path) -> tuple[dict, bytes]:
    """(JSON document, BIN chunk) of a .glb (what tests and tools read back)."""
    data = Path(path).read_bytes()
    magic, version, total = struct.unpack_from("<III", data, 0)
    if magic != GLB_MAGIC or version != GLB_VERSION or total != len(data):
        raise ValueError(f"'{path}' is not a glTF 2.0 binary")
    n, kind = struct.unpack_from("<II", data, 12)
    assert kind == CHUNK_JSON
    doc = json.loads(data[20:20 + n])
    m, kind = struct.unpack_from("<II", data, 20 + n)
    assert kind == CHUNK_BIN
    return doc, data[28 + n:28 + n + m]


def accessor_array(doc: dict, binary: bytes, index: int) -> np.ndarray:
    """An accessor of a read .glb as a (count, components) or (count,) array (a sparse one expanded)."""
    acc = doc["accessors"][index]
    dtypes = {FLOAT: "<f4", UINT16: "<u2", UINT32: "<u4"}
    dtype = dtypes[acc["componentType"]]
    width = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}[acc["type"]]
    if "bufferView" in acc:
        view = doc["bufferViews"][acc["bufferView"]]
        start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
        a = np.frombuffer(binary, dtype, acc["count"] * width, start).copy()
    else:
        a = np.zeros(acc["count"] * width, dtype)
    if "sparse" in acc:
        sp = acc["sparse"]
        iv, vv = doc["bufferViews"][sp["indices"]["bufferView"]], doc["bufferViews"][sp["values"]["bufferView"]]
        idx = np.frombuffer(binary, dtypes[sp["indices"]["componentType"]], sp["count"], iv.get("byteOffset", 0))
        vals = np.frombuffer(binary, dtype, sp["count"] * width, vv.get("byteOffset", 0)).reshape(-1, width)
        a.reshape(-1, width)[idx.astype(np.int64)] = vals
    return a if width == 1 else a.reshape(acc["count"], width)


def write_glb(path: str | Path, head: HeadMesh, motion: Motion | None = None, audio: AudioClip | None = None) -> Path:
    """Write ``path`` (.glb) atomically, and the soundtrack beside it (same stem, .wav) when given."""
    path = Path(path)
    _atomic_write(path, glb_bytes(head, motion))
    if audio is not None:
        write_wav(path.with_suffix(".wav"), audio)
    return path


def write_wav(path: str | Path, audio: AudioClip) -> Path:
    """16-bit mono PCM WAV at the clip's rate, atomically."""
    pcm = (np.clip(audio.samples, -1.0, 1.0) * 32767.0).round().astype("<i2")

    def fill(f) -> None:
        with wave.open(f, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(int(audio.sample_rate))
            w.writeframes(pcm.tobytes())

    return _atomic_write(Path(path), fill)


def _atomic_write(path: Path, content) -> Path:
    """Write bytes (or call ``content(file)``) to a temp file beside ``path``, then rename it over."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".part", dir=path.parent)
    except OSError as e:
        raise OutputError(f"cannot write '{path}' ({e.strerror}); choose another output folder") from e
    try:
        with os.fdopen(fd, "wb") as f:
            content(f) if callable(content) else f.write(content)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write '{path}' ({e.strerror}); free some space or choose another folder") from e
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
