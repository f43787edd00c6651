"""Rotations and the head/camera pose conventions of the mesh engine.

Model frame: +x = subject's left (image right in a frontal photo), +y up, +z to the viewer.
Angles (degrees here, radians in Motion.head) follow types.py: yaw > 0 turns the nose to image
right, pitch > 0 lifts the chin, roll > 0 turns the head counter-clockwise on screen.
A viewer camera (yaw, pitch, roll) is rendered as the same apparent rotation of the portrait,
so ``--yaw 30`` is measured as about a 30 degree yaw on the output by an independent landmarker (MediaPipe's
pose, which assumes a wide-angle camera, reads a turn seen from a portrait's distance a few degrees short:
README, Free view).
"""

from __future__ import annotations

import numpy as np


def rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """(3, 3) rotation for angles in radians, applied as roll @ yaw @ pitch (pitch first)."""
    cy, sy = np.cos(yaw), np.sin(yaw)
    cp, sp = np.cos(pitch), np.sin(pitch)
    cr, sr = np.cos(roll), np.sin(roll)
    r_yaw = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    r_pitch = np.array([[1, 0, 0], [0, cp, sp], [0, -sp, cp]])  # chin up: nose +z -> +y
    r_roll = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return (r_roll @ r_yaw @ r_pitch).astype(np.float32)
