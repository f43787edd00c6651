"""Exports of a generated clip beyond the video: glTF 2.0 (gltf.py)."""
