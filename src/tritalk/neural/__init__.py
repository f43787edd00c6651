"""The paper's image -> 3D portrait half (Sec. III-B, III-C2, III-C3): tri-plane generator and its encoders.

One paper box per file: motion_encoder (E_m), identity_encoder (E_id), emotion_mapper (M_e), triplane
(tri-plane synthesis G), volume (rays, sampling, decoder, ray marching), superres (R), generator (the
boxes wired together, Fig. 2), losses (the perceptual / identity / CLIP terms and their substitutes),
inversion (per-photo fitting at inference) and triplane_engine (the Engine).
"""
