"""Free view on whole clips, judged by the independent auditor: per view, a talking clip and the auditor's yaw,
pitch, identity distance to the photo and one-face rate (the README's "Free view" table).

For each photo: one Motion from the speech (the first ``--seconds``), one engine, one clip per view
(yaw -60 .. 60, pitch -20, +20). Each clip is audited by ``AUDIT_PY AUDIT --ref PHOTO`` (the auditor is a
yardstick outside the project: ../shared/tools/audit; it is only called here, never by the package).
Measured yaw / pitch are relative to the photo's own view (the yaw-0 clip). Prints one JSON line per clip.

Usage (from the repository root):
    .venv/bin/python scripts/measure_free_view.py PHOTO [PHOTO ...] --audit ../shared/tools/audit/audit.py \
        --audit-python ~/.cache/tritalk-audit-venv/bin/python [--size 512] [--seconds 3] [--flat] [--out DIR] \
        [--views 0/0,60/0] [--head ring_to_head=0.5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from tritalk.config import TritalkConfig
from tritalk.io.audio import load_audio
from tritalk.pipeline import Result, TalkingHead
from tritalk.types import AudioClip, Camera, CameraPath

VIEWS = [(y, 0) for y in (0, -60, -45, -30, -15, 15, 30, 45, 60)] + [(0, -20), (0, 20)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("photos", nargs="+", type=Path)
    ap.add_argument("--audio", type=Path, default=None, help="speech (default: the bundled example)")
    ap.add_argument("--audit", type=Path, required=True)
    ap.add_argument("--audit-python", type=Path, required=True)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--flat", action="store_true", help="the 2.5D sheet only (MeshEngineConfig.full_head=False)")
    ap.add_argument("--out", type=Path, default=None, help="keep the clips here")
    ap.add_argument("--views", default=None, help="only these views, e.g. '0/0,60/0,-60/0' (yaw/pitch; "
                    "keep 0/0 first: measured angles are relative to it)")
    ap.add_argument("--head", action="append", default=[], metavar="FIELD=VALUE",
                    help="override a HeadConfig field (a number, or a pair as LO:HI), e.g. --head ring_to_head=0.5; repeatable")
    ap.add_argument("--distance", type=float, default=None,
                    help="the viewer's distance in cm (default: the photo camera's, else 100; 35 = a selfie's)")
    args = ap.parse_args(argv)
    from importlib import resources

    audio = args.audio or Path(str(resources.files("tritalk") / "assets" / "examples" / "speech.wav"))
    clip = load_audio(audio)
    clip = AudioClip(clip.samples[: int(args.seconds * clip.sample_rate)], clip.sample_rate)
    config = TritalkConfig(size=args.size)
    head = {k: (tuple(float(x) for x in v.split(":")) if ":" in v else float(v))
            for k, v in (h.split("=", 1) for h in args.head)}
    config = replace(config, mesh=replace(config.mesh, full_head=not args.flat, head=replace(config.mesh.head, **head)))
    views = VIEWS if args.views is None else [tuple(int(x) for x in v.split("/")) for v in args.views.split(",")]
    out = args.out or Path(tempfile.mkdtemp())
    out.mkdir(parents=True, exist_ok=True)
    with TalkingHead.load(config=config) as th:
        for photo in args.photos:
            subject = th.subject(photo)
            motion = th.motion(clip, base=subject.ref_expr, lip_gap=subject.lip_gap)
            engine = th.engine_cls(subject, config.engine_config())
            base = None
            for yaw, pitch in views:
                path = out / f"{photo.stem}_y{yaw:+d}_p{pitch:+d}.mp4"
                Result(subject, motion, clip, CameraPath.of(Camera(yaw=yaw, pitch=pitch, distance=args.distance)), engine, config).save(
                    path, overwrite=True)
                got = json.loads(subprocess.run([str(args.audit_python), str(args.audit), str(path), "--ref", str(photo),
                                                 "--no-emotion", "--no-series"], capture_output=True, text=True).stdout)
                if "error" in got:
                    raise SystemExit(f"auditor: {got['error']}")
                if base is None:
                    base = got
                found = got.get("yaw_deg") is not None  # no face in any frame: no pose
                row = dict(photo=photo.name, yaw=yaw, pitch=pitch,
                           yaw_measured=round(got["yaw_deg"] - base["yaw_deg"], 1) if found else None,
                           pitch_measured=round(got["pitch_deg"] - base["pitch_deg"], 1) if found else None,
                           identity_dist=got.get("identity_dist"), face_rate=got.get("face_rate"),
                           identity_face_source=got.get("identity_face_source"))
                print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
