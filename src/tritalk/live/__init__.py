"""Live mode: audio pushed in chunks as it arrives -> (timestamp, frame) as soon as each frame can be made.

    session = TalkingHead.load().live("face.jpg", emotion="happy", size=256)
    for chunk in microphone_chunks():          # any size, any sample rate
        for frame in session.push(chunk, 48000):
            show(frame.timestamp, frame.image)
    for frame in session.finish():             # the last frames (the lookahead, filled with silence)
        show(frame.timestamp, frame.image)

Files (one job each): ``resample.py`` (streaming resampler to the 8 kHz analysis rate, independent of
the chunk sizes), ``causal_features.py`` (the frame features of ``audio/features.py`` and G_m's acoustic
vectors with running, causal normalisations), ``online_speech.py`` (G_m on a sliding window with a small
lookahead, its post-processing online), ``online_motion.py`` (emotion, blinks, head, gaze, put on the photo
per frame), ``session.py`` (the session: push audio, take frames, change emotion and camera).
"""

from tritalk.live.session import LiveConfig, LiveFrame, LiveSession  # noqa: E402

__all__ = ["LiveConfig", "LiveFrame", "LiveSession"]
