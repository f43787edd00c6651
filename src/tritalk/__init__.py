"""tritalk: one portrait photo + speech -> a talking-head video (see README.md).

    from tritalk import TalkingHead, Camera, EmotionSpec

    with TalkingHead.load() as head:
        head.generate("face.jpg", "speech.wav", emotion=EmotionSpec("happy", 0.6), camera=Camera(yaw=15)).save("talk.mp4")

``TalkingHead``, ``generate`` and ``TritalkConfig`` load on first use (they pull in the models'
libraries); the types are plain dataclasses.
"""

__version__ = "0.2.0"

from tritalk.types import Camera, CameraPath, EmotionSpec, EmotionTimeline, Motion  # noqa: E402

__all__ = ["TalkingHead", "generate", "TritalkConfig", "Motion", "EmotionSpec", "EmotionTimeline", "Camera",
           "CameraPath", "__version__"]


def __getattr__(name: str):
    if name in ("TalkingHead", "generate"):
        from tritalk import pipeline

        return getattr(pipeline, name)
    if name == "TritalkConfig":
        from tritalk.config import TritalkConfig

        return TritalkConfig
    raise AttributeError(f"module 'tritalk' has no attribute '{name}'")
