"""`tritalk ui`: a local web app over the same TalkingHead the CLI and library use (optional extra ``tritalk[ui]``).

    app.py          the FastAPI app: the page, the job endpoints, the Live WebSocket
    uploads.py      size / duration limits on uploads, CLI-style one-line messages
    jobs.py         the job queue: one worker thread renders one job at a time on the loaded TalkingHead
    live_socket.py  /ws/live: browser microphone PCM in, JPEG frames out (a TalkingHead.live session)
    static/         the pages (plain HTML + JS, no build step) and three.js, vendored with its licence

Widgets only become the API's dataclasses here (EmotionSpec, Camera, CameraPath); no model math.
"""
