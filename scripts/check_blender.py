"""Import a tritalk .glb into Blender, print what arrived (mesh, shape keys, actions) and render one frame.

Usage (in Blender, after an export):

    tritalk generate -i face.jpg -a speech.wav -o talk.mp4 --export-glb head.glb
    blender -b --python scripts/check_blender.py -- head.glb --frame 40 -o out/blender_frame.png [--renderer cycles]

Runs inside Blender's Python (bpy), not the venv: a maintainer's check that an export opens in Blender, not a
test. It exits non-zero if the import fails, the mesh has fewer than 52 shape keys named as ARKit names them
or there is no animation. Debian's Blender 3.4 glTF importer uses ``numpy.bool``, gone from numpy 1.24:
the alias is restored for it here.
"""

from __future__ import annotations

import argparse
import sys

ARKIT_SAMPLE = ("eyeBlinkLeft", "jawOpen", "mouthClose", "mouthSmileLeft", "browInnerUp", "tongueOut")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 usage="blender -b --python scripts/check_blender.py -- HEAD.glb [--frame N] [-o PNG]")
    ap.add_argument("glb", help="the .glb written by --export-glb")
    ap.add_argument("--frame", type=int, default=40, help="scene frame to render (Blender's 24 fps timeline)")
    ap.add_argument("-o", "--out", default=None, help="PNG of that frame (workbench, textured); none if omitted")
    ap.add_argument("--renderer", choices=("workbench", "cycles"), default="workbench",
                    help="cycles (CPU, 16 samples): the glTF materials as imported, the full head's vertex colours too "
                    "(workbench shows textures only)")
    args = ap.parse_args(argv)

    import numpy as np

    if not hasattr(np, "bool"):
        np.bool = bool  # Debian Blender 3.4's glTF importer vs numpy >= 1.24
    import bpy
    import mathutils

    bpy.ops.wm.read_factory_settings(use_empty=True)
    if bpy.ops.import_scene.gltf(filepath=args.glb) != {"FINISHED"}:
        print(f"error: Blender did not import {args.glb}")
        return 1
    meshes = [o for o in bpy.data.objects if o.type == "MESH"]
    problems = []
    for ob in meshes:
        keys = [k.name for k in ob.data.shape_keys.key_blocks][1:] if ob.data.shape_keys else []
        colours = [a.name for a in getattr(ob.data, "color_attributes", [])]
        print(f"mesh {ob.name}: {len(ob.data.vertices)} vertices, {len(keys)} shape keys, "
              f"materials {[m.name for m in ob.data.materials]}, colour attributes {colours}")
        if len(keys) < 52 or not set(ARKIT_SAMPLE) <= set(keys):
            problems.append(f"{ob.name} has {len(keys)} shape keys, not the 52 ARKit ones")
    for a in bpy.data.actions:
        print(f"action {a.name}: frames {a.frame_range[0]:g}..{a.frame_range[1]:g}, {len(a.fcurves)} curves")
    if not meshes:
        problems.append("no mesh")
    if not bpy.data.actions:
        problems.append("no animation")
    if args.out and meshes:
        scene = bpy.context.scene
        cam = bpy.data.objects.new("camera", bpy.data.cameras.new("camera"))
        scene.collection.objects.link(cam)
        corners = [meshes[0].matrix_world @ mathutils.Vector(c) for c in meshes[0].bound_box]
        centre = sum(corners, mathutils.Vector()) / 8
        extent = max((corners[6] - corners[0])[:])
        cam.location = centre + mathutils.Vector((0.0, -2.5 * extent, 0.0))  # glTF +Z forward is Blender's -Y
        cam.rotation_euler = (centre - cam.location).to_track_quat("-Z", "Y").to_euler()
        scene.camera = cam
        if args.renderer == "cycles":
            scene.render.engine = "CYCLES"
            scene.cycles.device, scene.cycles.samples, scene.cycles.use_denoising = "CPU", 16, False
        else:
            scene.render.engine = "BLENDER_WORKBENCH"
            scene.display.shading.color_type = "TEXTURE"
        scene.render.resolution_x = scene.render.resolution_y = 320
        scene.frame_set(args.frame)
        scene.render.filepath = args.out
        bpy.ops.render.render(write_still=True)
        print(f"wrote {args.out}")
    for p in problems:
        print(f"error: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else sys.argv[1:]
    sys.exit(main(argv))
