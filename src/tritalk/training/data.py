"""Talking-face datasets: find videos (GRID, MEAD, HDTF layouts), measure them, store prepared clips.

``tritalk prepare VIDEOS_DIR OUT`` writes, per video, ``OUT/clips/<id>.npz``:
  expr    (T, 52) float32  MediaPipe Face Landmarker blendshapes per frame (NaN: no face found)
  head    (T, 6)  float32  yaw, pitch, roll [rad] (types.py conventions), tx, ty, tz [cm], camera frame
  audio   (N,)    float32  mono, 16 kHz
  fps     float            video frame rate
  phones  (P,) str, phone_start / phone_end (P,) s   pocketsphinx allphone spans (the audio front end)
  aligned (Q,) str, aligned_start / aligned_end (Q,) s   forced alignment of the transcript (if known)
and ``OUT/index.json`` (one record per clip: id, speaker, layout, transcript, frames, fps, face rate).

Layouts (recognised per file, by its path):
  GRID   ``.../s12/bbaf2n.mpg`` or ``grid_<speaker>_<code>.mp4``: the 6-letter code gives the sentence
  MEAD   ``.../M003/video/front/angry/level_1/001.mp4``: speaker M003; only the front view is used
  HDTF   ``.../WRA_KristiNoem_000.mp4``: speaker = the name without the trailing clip number
  other  any video file: speaker = its parent folder
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from tritalk.audio.phone_recogniser import align_phones, recognise_phones
from tritalk.audio.phones import PhoneSpan, arpabet_viseme
from tritalk.errors import InputError
from tritalk.face.track import measure_video
from tritalk.io.audio import load_audio
from tritalk.types import IDX, AudioClip

logger = logging.getLogger(__name__)

VIDEO_EXTS = (".mp4", ".mpg", ".mpeg", ".avi", ".mov", ".mkv", ".webm")
GRID_CODE = re.compile(r"^([blps])([bgrw])([abiw])([a-z])([0-9z])([anps])$")
_GRID_WORDS = (
    {"b": "bin", "l": "lay", "p": "place", "s": "set"},
    {"b": "blue", "g": "green", "r": "red", "w": "white"},
    {"a": "at", "b": "by", "i": "in", "w": "with"},
    None,  # letter: itself
    {"z": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven",
     "8": "eight", "9": "nine", "0": "zero"},
    {"a": "again", "n": "now", "p": "please", "s": "soon"},
)


def grid_sentence(code: str) -> str | None:
    """'bbaf2n' -> 'bin blue at f two now'; None if ``code`` is not a GRID file code."""
    m = GRID_CODE.match(code)
    if not m:
        return None
    return " ".join(w[c] if w else c for w, c in zip(_GRID_WORDS, m.groups()))


@dataclass(frozen=True)
class VideoItem:
    path: str
    id: str
    speaker: str
    layout: str  # grid | mead | hdtf | other
    transcript: str | None = None
    emotion: str | None = None


def classify(path: Path, root: Path) -> VideoItem | None:
    rel = path.relative_to(root)
    parts = [p for p in rel.parts[:-1]]
    stem = path.stem
    # GRID
    code = stem.split("_")[-1] if stem.startswith("grid_") else stem
    sentence = grid_sentence(code.lower())
    if sentence is not None:
        if stem.startswith("grid_"):
            speaker = stem[len("grid_"):-len(code) - 1] or "grid"
        else:
            speaker = next((p for p in reversed(parts) if re.fullmatch(r"s\d+", p)), parts[-1] if parts else "grid")
        return VideoItem(str(path), f"grid_{speaker}_{code}", speaker, "grid", sentence)
    # MEAD: <speaker>/video/<view>/<emotion>/level_<n>/<nnn>.mp4
    lower = [p.lower() for p in parts]
    if "video" in lower and any(re.fullmatch(r"level_\d", p) for p in lower):
        i = lower.index("video")
        speaker = parts[i - 1] if i > 0 else "mead"
        view = lower[i + 1] if i + 1 < len(lower) else "front"
        if view != "front":
            return None
        emotion = lower[i + 2] if i + 2 < len(lower) else None
        level = lower[i + 3] if i + 3 < len(lower) else ""
        return VideoItem(str(path), f"mead_{speaker}_{emotion}_{level}_{stem}", speaker, "mead", None, emotion)
    # HDTF: WRA_Name_000
    m = re.fullmatch(r"((?:WDA|WRA|RD)_[A-Za-z0-9-]+)_(\d+)", stem)
    if m:
        return VideoItem(str(path), f"hdtf_{stem}", m.group(1), "hdtf")
    return VideoItem(str(path), re.sub(r"[^A-Za-z0-9_-]", "_", str(rel.with_suffix(""))),
                     parts[-1] if parts else stem, "other")


def find_videos(root: str | Path) -> list[VideoItem]:
    """Every talking-face video under ``root`` (sorted), one per clip (``*_original`` duplicates skipped)."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"'{root}' is not a folder; give the folder that holds the talking-face videos")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in VIDEO_EXTS and p.is_file())
    items, seen = [], set()
    for p in files:
        if p.stem.endswith("_original") and any(q.stem == p.stem[: -len("_original")] for q in files):
            continue  # the same clip in its source container
        item = classify(p, root)
        if item is None or item.id in seen:
            continue
        seen.add(item.id)
        items.append(item)
    return items


def _spans_arrays(prefix: str, spans: list[PhoneSpan]) -> dict:
    return {prefix: np.array([s.phone for s in spans], dtype="U16"),
            f"{prefix}_start": np.array([s.start for s in spans], np.float64),
            f"{prefix}_end": np.array([s.end for s in spans], np.float64)}


def load_spans(d, prefix: str, to_viseme: Callable[[str], str] = arpabet_viseme) -> list[PhoneSpan]:
    if prefix not in d:
        return []
    return [PhoneSpan(str(p), to_viseme(str(p)), float(a), float(b))
            for p, a, b in zip(d[prefix], d[f"{prefix}_start"], d[f"{prefix}_end"])]


def prepare(videos_dir: str | Path, out_dir: str | Path, progress: Callable[[int, int, str], None] | None = None,
            phones: bool = True) -> list[dict]:
    """Measure every video under ``videos_dir`` into ``out_dir`` (see the module docstring)."""
    items = find_videos(videos_dir)
    if not items:
        raise InputError(f"no videos ({', '.join(VIDEO_EXTS)}) found under '{videos_dir}'")
    out = Path(out_dir)
    (out / "clips").mkdir(parents=True, exist_ok=True)
    records = []
    for i, item in enumerate(items):
        if progress:
            progress(i, len(items), item.id)
        track = measure_video(item.path)
        expr, head, fps = track.expr, track.head, track.fps
        audio = load_audio(item.path).samples  # (N,) mono float32 at 16 kHz
        arrays = dict(expr=expr, head=head, audio=audio, fps=np.float64(fps))
        if phones and audio.size:
            clip = AudioClip(audio, 16000)
            arrays.update(_spans_arrays("phones", recognise_phones(clip)))
            if item.transcript:
                arrays.update(_spans_arrays("aligned", align_phones(clip, item.transcript)))
        np.savez_compressed(out / "clips" / f"{item.id}.npz", **arrays)
        face_rate = float(np.mean(~np.isnan(expr[:, IDX["jawOpen"]]))) if len(expr) else 0.0
        records.append(dict(asdict(item), frames=int(len(expr)), fps=fps, face_rate=round(face_rate, 4),
                            audio_seconds=round(audio.size / 16000, 3), source="real"))
        logger.info("prepared %s: %d frames, face in %.0f%%", item.id, len(expr), 100 * face_rate)
    (out / "index.json").write_text(json.dumps(records, indent=1) + "\n")
    if progress:
        progress(len(items), len(items), "")
    return records


def load_index(data_dir: str | Path) -> list[dict]:
    p = Path(data_dir) / "index.json"
    if not p.is_file():
        raise InputError(f"'{data_dir}' holds no index.json; run `tritalk prepare VIDEOS_DIR {data_dir}` first")
    return json.loads(p.read_text())
