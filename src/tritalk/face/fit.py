"""Fit the face model (identity, expression, pose, camera) to one photo's landmarks.

Camera: scaled orthographic, ``p = s R X + t`` with p = (x, -y, -z) in image pixels (the
y and z flips turn image axes into the model's +y up / +z to the viewer). A portrait's face
spans a few degrees of the field of view, so weak perspective costs < 1 % of the face width
and makes the fit a few linear solves. MediaPipe's landmark z (relative depth, same scale as
x) lets the similarity be solved in 3D (Umeyama), which pins down yaw and pitch.

Alternation (4 rounds): pose by Umeyama on the current shape -> identity + expression by
bounded, regularised linear least squares in the model frame. Expression is pulled towards
MediaPipe's own blendshape estimate (a good prior), identity towards 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import lsq_linear

from tritalk.errors import NoFaceError
from tritalk.face.analyse import MAX_YAW_DEG, FaceObservation
from tritalk.face.model import FaceModel


@dataclass(frozen=True)
class FitConfig:
    rounds: int = 4
    id_reg: float = 0.02  # Tikhonov weight on identity (units: cm^2 per sd^2 per landmark)
    expr_reg: float = 0.05  # pull towards MediaPipe's blendshapes
    z_weight: float = 0.5  # MediaPipe's depth is noisier than x, y


@dataclass(frozen=True)
class FaceFit:
    identity: np.ndarray  # (K,) in standard deviations
    expr: np.ndarray  # (52,) ARKit coefficients of the photo's own expression
    scale: float  # pixels per cm
    rotation: np.ndarray  # (3, 3) model -> camera
    translation: np.ndarray  # (3,) pixels, in the flipped frame (x, -y, -z)
    rms_px: float  # landmark residual after the fit

    def to_image(self, x: np.ndarray) -> np.ndarray:
        """Model-frame points (..., 3) cm -> image (..., 3): x, y [px], z [px, smaller = nearer]."""
        p = self.scale * x @ self.rotation.T + self.translation
        return p * np.array([1.0, -1.0, -1.0], np.float32)

    def to_model(self, p_img: np.ndarray) -> np.ndarray:
        """Inverse of to_image."""
        p = p_img * np.array([1.0, -1.0, -1.0], np.float32)
        return ((p - self.translation) @ self.rotation) / self.scale

    @property
    def yaw_pitch_roll(self) -> tuple[float, float, float]:
        """Head pose in degrees (conventions in types.py): the inverse of ``render.camera.rotation``.

        That rotation is roll @ yaw @ pitch, whose last row is (-sin yaw, -cos yaw sin pitch,
        cos yaw cos pitch) and whose first column is cos yaw (cos roll, sin roll, .).
        """
        r = self.rotation.astype(np.float64)
        yaw = np.degrees(np.arctan2(-r[2, 0], np.hypot(r[2, 1], r[2, 2])))
        pitch = np.degrees(np.arctan2(-r[2, 1], r[2, 2]))
        roll = np.degrees(np.arctan2(r[1, 0], r[0, 0]))
        return float(yaw), float(pitch), float(roll)




def check_head_pose(fit: FaceFit, name: str = "the image") -> None:
    """Refuse a face turned too far to animate (a heavy profile), naming the angle and the range."""
    yaw = fit.yaw_pitch_roll[0]
    if abs(yaw) > MAX_YAW_DEG:
        side = "image right" if yaw > 0 else "image left"
        raise NoFaceError(f"the face in {name} is turned {abs(yaw):.0f} deg towards {side} (near profile); "
                          f"tritalk animates faces turned at most {MAX_YAW_DEG:.0f} deg from frontal: "
                          f"use a more frontal photo")


def umeyama(src: np.ndarray, dst: np.ndarray, weights: np.ndarray | None = None):
    """Similarity (s, R, t) minimising sum w ||dst - (s R src + t)||^2. src, dst: (N, 3)."""
    w = np.ones(len(src)) if weights is None else weights
    w = w / w.sum()
    mu_s, mu_d = w @ src, w @ dst
    a, b = src - mu_s, dst - mu_d
    cov = (b * w[:, None]).T @ a
    u, sig, vt = np.linalg.svd(cov)
    d = np.sign(np.linalg.det(u @ vt))
    fix = np.diag([1.0, 1.0, d])
    rot = u @ fix @ vt
    var = (w * (a ** 2).sum(1)).sum()
    s = (sig * np.diag(fix)).sum() / var
    return s, rot, mu_d - s * rot @ mu_s


def fit_face(obs: FaceObservation, model: FaceModel, config: FitConfig = FitConfig()) -> FaceFit:
    n = model.neutral.shape[0]
    target = obs.landmarks.astype(np.float64) * np.array([1.0, -1.0, -1.0])  # (478, 3) flipped frame
    expr = np.clip(obs.blendshapes.astype(np.float64), 0, 1)
    ident = np.zeros(model.n_identity)
    k_id, k_ex = model.n_identity, expr.shape[0]
    # design matrix in the model frame: columns = identity modes then expression shapes
    basis = np.concatenate([model.id_basis.reshape(k_id, -1), model.expr_basis.reshape(k_ex, -1)]).T  # (3N, K)
    row_w = np.tile([1.0, 1.0, np.sqrt(config.z_weight)], n)
    reg = np.diag(np.r_[np.full(k_id, np.sqrt(config.id_reg * n)), np.full(k_ex, np.sqrt(config.expr_reg * n))])
    prior = np.r_[np.zeros(k_id), expr]
    lower = np.r_[np.full(k_id, -3.0), np.zeros(k_ex)]
    upper = np.r_[np.full(k_id, 3.0), np.ones(k_ex)]
    q_fac, r_fac = np.linalg.qr(np.vstack([basis * row_w[:, None], reg]))  # the design is fixed: factor once
    for _ in range(config.rounds):
        x = model.shape(ident, expr).astype(np.float64)
        s, rot, t = umeyama(x, target, np.tile([1.0], n))
        in_model = ((target - t) @ rot) / s  # observed landmarks in the model frame
        rhs = (in_model - model.neutral).reshape(-1) * row_w
        b = np.r_[rhs, reg @ prior]
        # same least-squares problem on the (K, K) triangular factor: BVLS then works on 112 rows, not 1546
        sol = lsq_linear(r_fac, q_fac.T @ b, bounds=(lower, upper), method="bvls", max_iter=200).x
        ident, expr = sol[:k_id], sol[k_id:]
    x = model.shape(ident, expr).astype(np.float64)
    s, rot, t = umeyama(x, target)
    resid = (s * x @ rot.T + t) - target
    rms = float(np.sqrt((resid[:, :2] ** 2).sum(1).mean()))
    return FaceFit(ident.astype(np.float32), expr.astype(np.float32), float(s), rot.astype(np.float32),
                   t.astype(np.float32), rms)
