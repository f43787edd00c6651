"""Volume rendering of a tri-plane (Sec. III-B, after EG3D's ray sampler, renderer and ray marcher).

Conventions (written once, here):
  * World frame = the photo's image frame (x right, y down, z away from the viewer), centred on the
    head centre, in units of the neural window's half width: the photo's own camera sees the square
    [-1, 1]^2 of the plane z = 0 through the head centre. The tri-plane covers the box [-box, box]^3.
  * Cameras are OpenCV-style: ``world2cam`` (B, 4, 4) maps world points to camera coordinates (x right,
    y down, z forward); ``focal`` (B,) is in normalised image units, so pixel centres are u, v in
    [-1, 1] and a point projects to u = focal * x_cam / z_cam.
  * The viewer camera of ``types.Camera`` turns about the head centre by the same rotation the mesh
    engine applies (render/camera.py), so ``--yaw 30`` means the same on both engines.

Pipeline: ``camera_rays`` -> ``stratified_depths`` -> ``sample_from_planes`` + ``TriplaneDecoder`` ->
``march`` (weights) -> ``importance_depths`` -> fine pass -> ``march`` over the union of both passes.
Maths are pure functions on tensors; only the decoder holds weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from tritalk.render.camera import rotation

FLIP = np.diag([1.0, -1.0, -1.0]).astype(np.float32)  # image frame <-> model orientation (as the mesh engine)


def view_matrices(yaw: float, pitch: float, roll: float, distance: float, zoom: float = 1.0
                  ) -> tuple[np.ndarray, float]:
    """(4, 4) world2cam and the focal length of a viewer camera: angles [deg] as ``types.Camera``,
    ``distance`` in world units (head centre to camera), ``zoom`` > 1 enlarges the picture."""
    rot = FLIP @ rotation(np.radians(yaw), np.radians(pitch), np.radians(roll)) @ FLIP
    m = np.eye(4, dtype=np.float32)
    m[:3, :3] = rot
    m[2, 3] = distance  # the head centre sits ``distance`` in front of the camera
    return m, float(distance * zoom)


def camera_rays(world2cam: torch.Tensor, focal: torch.Tensor, resolution: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Ray origins and unit directions (B, R*R, 3) in the world frame, one per pixel centre, rows top down.

    world2cam: (B, 4, 4); focal: (B,) normalised (u = focal * x / z)."""
    b = world2cam.shape[0]
    lin = (torch.arange(resolution, dtype=world2cam.dtype, device=world2cam.device) + 0.5) / resolution * 2 - 1
    v, u = torch.meshgrid(lin, lin, indexing="ij")
    f = focal.view(b, 1).clamp_min(1e-6)
    d_cam = torch.stack([u.reshape(1, -1) / f, v.reshape(1, -1) / f, torch.ones_like(u.reshape(1, -1)).expand(b, -1)],
                        -1)  # (B, N, 3)
    rot, t = world2cam[:, :3, :3], world2cam[:, :3, 3]
    origin = -(rot.transpose(1, 2) @ t[..., None])[..., 0]  # camera centre in the world: -R^T t
    dirs = F.normalize(d_cam @ rot, dim=-1)  # R^T d for row vectors
    return origin[:, None].expand(b, d_cam.shape[1], 3), dirs


def ray_box_bounds(origins: torch.Tensor, dirs: torch.Tensor, box: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Near / far (B, N, 1) where each ray crosses the cube [-box, box]^3 (rays that miss it get a tiny
    interval at the nearest point: they march through empty space and come out transparent)."""
    inv = 1.0 / torch.where(dirs.abs() < 1e-6, torch.full_like(dirs, 1e-6), dirs)
    t0, t1 = (-box - origins) * inv, (box - origins) * inv
    near = torch.minimum(t0, t1).amax(-1, keepdim=True).clamp_min(0.0)
    far = torch.maximum(t0, t1).amin(-1, keepdim=True)
    far = torch.maximum(far, near + 1e-3)
    return near, far


def stratified_depths(near: torch.Tensor, far: torch.Tensor, n: int, jitter: bool) -> torch.Tensor:
    """(B, N, n) depths: one per equal bin between near and far, uniform within it when ``jitter``
    (training), at its centre otherwise (deterministic inference)."""
    bins = torch.linspace(0, 1, n + 1, device=near.device, dtype=near.dtype)
    lo, width = bins[:-1], bins[1] - bins[0]
    offset = torch.rand(*near.shape[:-1], n, device=near.device, dtype=near.dtype) if jitter else 0.5
    return near + (far - near) * (lo + width * offset)


def importance_depths(depths: torch.Tensor, weights: torch.Tensor, n: int, jitter: bool) -> torch.Tensor:
    """(B, N, n) depths drawn from the piecewise-constant density of the coarse weights (inverse CDF).
    The weights are max-pooled then blurred first, as EG3D does, so a thin surface still gets samples."""
    b, m, k = weights.shape
    w = weights.reshape(b * m, 1, k)
    w = F.avg_pool1d(F.max_pool1d(F.pad(w, (1, 1), mode="replicate"), 2, 1), 2, 1).reshape(b, m, k) + 0.01
    mids = 0.5 * (depths[..., 1:] + depths[..., :-1])
    edges = torch.cat([depths[..., :1], mids, depths[..., -1:]], -1)  # (B, N, k + 1)
    pdf = w / w.sum(-1, keepdim=True)
    cdf = torch.cat([torch.zeros_like(pdf[..., :1]), pdf.cumsum(-1)], -1)
    u = torch.rand(b, m, n, device=w.device, dtype=w.dtype) if jitter else \
        torch.linspace(0.5 / n, 1 - 0.5 / n, n, device=w.device, dtype=w.dtype).expand(b, m, n).contiguous()
    idx = torch.searchsorted(cdf.detach().contiguous(), u, right=True).clamp(1, k)
    c0, c1 = cdf.gather(-1, idx - 1), cdf.gather(-1, idx)
    e0, e1 = edges.gather(-1, idx - 1), edges.gather(-1, idx)
    frac = (u - c0) / (c1 - c0).clamp_min(1e-6)
    return (e0 + frac * (e1 - e0)).detach()


def sample_from_planes(planes: torch.Tensor, points: torch.Tensor, box: float) -> torch.Tensor:
    """Features (B, 3, M, C) of points (B, M, 3) on the planes (B, 3, C, H, W): xy, xz and zy projections,
    bilinear; the box [-box, box] maps onto each plane's full extent. Points outside read zeros."""
    b, n_planes, c, h, w = planes.shape
    p = points / box
    coords = torch.stack([p[..., [0, 1]], p[..., [0, 2]], p[..., [2, 1]]], 1)  # (B, 3, M, 2)
    out = F.grid_sample(planes.reshape(b * n_planes, c, h, w), coords.reshape(b * n_planes, 1, -1, 2),
                        mode="bilinear", padding_mode="zeros", align_corners=False)  # (B*3, C, 1, M)
    return out.reshape(b, n_planes, c, -1).permute(0, 1, 3, 2)


class TriplaneDecoder(nn.Module):
    """Tri-plane features -> density and image features (the first three are RGB in [0, 1]). A small MLP on
    the mean of the three planes' features, as EG3D's OSG decoder."""

    def __init__(self, plane_channels: int, hidden: int, feature_dim: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(plane_channels, hidden), nn.Softplus(), nn.Linear(hidden, 1 + feature_dim))

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """features (B, 3, M, C) -> density logits (B, M, 1), features (B, M, F)."""
        x = self.net(features.mean(1))
        rgb = torch.sigmoid(x[..., 1:4]) * 1.002 - 0.001  # EG3D's widened sigmoid: 0 and 1 are reachable
        return x[..., :1], torch.cat([rgb, x[..., 4:]], -1)


def march(depths: torch.Tensor, sigma_logits: torch.Tensor, features: torch.Tensor
          ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The volume-rendering equation by midpoints: depths (B, N, K), sigma_logits (B, N, K, 1), features
    (B, N, K, F) -> feature image (B, N, F), opacity (B, N, 1), depth (B, N, 1), weights (B, N, K - 1).

    Colours are premultiplied: a ray that meets nothing gives zero features and zero opacity."""
    deltas = depths[..., 1:] - depths[..., :-1]
    mid_sigma = 0.5 * (sigma_logits[..., 1:, 0] + sigma_logits[..., :-1, 0])
    mid_feat = 0.5 * (features[..., 1:, :] + features[..., :-1, :])
    density = F.softplus(mid_sigma - 1.0)  # a bias of -1 starts the volume nearly empty (EG3D)
    alpha = 1.0 - torch.exp(-density * deltas)
    trans = torch.cumprod(torch.cat([torch.ones_like(alpha[..., :1]), 1.0 - alpha + 1e-10], -1), -1)[..., :-1]
    weights = alpha * trans
    mids = 0.5 * (depths[..., 1:] + depths[..., :-1])
    opacity = weights.sum(-1, keepdim=True)
    depth = (weights * mids).sum(-1, keepdim=True) / opacity.clamp_min(1e-6)
    return (weights[..., None] * mid_feat).sum(-2), opacity, depth, weights


@dataclass(frozen=True)
class RenderOutput:
    features: torch.Tensor  # (B, F, R, R) premultiplied image features; [:, :3] RGB in [0, 1]
    alpha: torch.Tensor  # (B, 1, R, R) opacity in [0, 1]
    depth: torch.Tensor  # (B, 1, R, R) expected depth along the ray [world units]


def render_planes(planes: torch.Tensor, decoder: TriplaneDecoder, world2cam: torch.Tensor, focal: torch.Tensor,
                  resolution: int, n_coarse: int, n_fine: int, box: float, jitter: bool) -> RenderOutput:
    """Render planes (B, 3, C, H, W) from cameras: a stratified coarse pass, then ``n_fine`` importance
    samples where the coarse pass found matter, marched together."""
    b = planes.shape[0]
    origins, dirs = camera_rays(world2cam, focal, resolution)
    near, far = ray_box_bounds(origins, dirs, box)

    def decode(depths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pts = origins[..., None, :] + dirs[..., None, :] * depths[..., None]  # (B, N, K, 3)
        n, k = pts.shape[1], pts.shape[2]
        sigma, feat = decoder(sample_from_planes(planes, pts.reshape(b, n * k, 3), box))
        return sigma.reshape(b, n, k, 1), feat.reshape(b, n, k, -1)

    d0 = stratified_depths(near, far, n_coarse, jitter)
    s0, f0 = decode(d0)
    if n_fine > 0:
        _, _, _, w0 = march(d0, s0, f0)
        d1 = importance_depths(d0, torch.cat([w0, w0[..., -1:]], -1), n_fine, jitter)
        s1, f1 = decode(d1)
        depths, order = torch.sort(torch.cat([d0, d1], -1), -1)
        sigma = torch.cat([s0, s1], -2).gather(-2, order[..., None])
        feats = torch.cat([f0, f1], -2)
        feats = feats.gather(-2, order[..., None].expand(*order.shape, feats.shape[-1]))
    else:
        depths, sigma, feats = d0, s0, f0
    feat, opacity, depth, _ = march(depths, sigma, feats)

    def image(x: torch.Tensor) -> torch.Tensor:
        return x.permute(0, 2, 1).reshape(b, x.shape[-1], resolution, resolution)

    return RenderOutput(image(feat), image(opacity), image(depth))
