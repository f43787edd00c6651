"""Evaluation: measurements of tritalk's output (and of its baselines) that the docs cite and anyone can rerun.

One job per file; library functions only (no printing, no paths into ../shared). Front ends:
``tritalk eval DATA_DIR`` and ``tritalk eval --motion`` (cli/training.py), scripts/eval_results.py, and the thin scripts in scripts/ (eval_motion, eval_emotion,
measure_views, measure_pose_range, pbm_recall). A video's per-frame measurement itself is
``tritalk.face.track.measure_video``.

  motion_metrics.py   speech -> mouth against MediaPipe measurements of real video: jaw / mouthClose r,
                      lag, lip gap on /p b m/, pause jaw, degraded audio (``tritalk eval motion``)
  baselines.py        what G_m is compared with: a still mouth, the v1 ridge map refitted on given clips
  phone_recall.py     recall / precision of a phone recogniser's /p b m/ spans against forced alignment
  emotion_accuracy.py confusion matrix and accuracies of rendered emotions from a classifier's probabilities
  views.py            requested vs perceived camera yaw / pitch of the mesh engine's renders
  ict_head.py         the ICT-FaceKit head rendered with known expression and pose (ground truth)
  pose_range.py       which head turns can be animated: ICT renders turned by known angles, measured back

The paper's evaluation (``tritalk eval DATA_DIR``: self-driven protocol on real talking-face video):
  runner.py           every clip of a folder through the protocol, resume, then the report
  datasets.py         which clips: MEAD (EAT's test speakers), HDTF, GRID, any folder of videos
  protocol.py         one clip: first frame = reference, own audio drives; real frames in the Subject's crop
  systems.py          what is compared: each registered engine (G_m), v1, loudness jaw, still reference
  image_metrics.py    PSNR, SSIM, temporal flicker
  landmark_metrics.py M-LMD, F-LMD (MediaPipe landmarks / inter-ocular distance), mouth opening
  sync_metrics.py     audio-video offset, mouth-loudness correlation (model-free; not SyncNet's LSE)
  face_stats.py       face-detection rate, blink rate, head-pose jitter
  networks.py         LSE-C/D, FID, LPIPS, CSIM, emotion accuracy from local weights, else "n/a (...)"
  report.py           aggregation, results.md (the paper's Table I-IV layouts), PNG plots
"""
