"""Behavioural tests for tritalk.io.video: atomic mp4 out (any thread, any interrupt), read back."""

from __future__ import annotations

import gc
import math
import os
import signal
import sys
import threading

import av
import numpy as np
import pytest

import tritalk.io.audio as audio_module
import tritalk.io.video as video_module
from tritalk.errors import ConfigError, OutputError
from tritalk.io.audio import load_audio
from tritalk.io.video import VideoWriter, probe_video, read_video_frames
from tritalk.types import AudioClip

from io_helpers import gradient, peak_hz, tone, write_video


def test_round_trip_with_tone(tmp_path):
    fps, sr, seconds = 25, 16000, 2.0
    audio = AudioClip(tone(440, seconds, sr), sr)
    n = int(np.ceil(seconds * fps))
    img = gradient(96, 128)
    write_video(tmp_path / "out.mp4", np.repeat(img[None], n, axis=0), fps, audio)

    info = probe_video(tmp_path / "out.mp4")
    assert (info["width"], info["height"], info["n_frames"]) == (128, 96, n)
    assert info["fps"] == pytest.approx(fps)
    assert abs(info["duration"] - n / fps) < 1 / fps
    assert info["has_audio"] and abs(info["audio_duration"] - seconds) < 1 / fps

    frames = list(read_video_frames(tmp_path / "out.mp4"))
    assert len(frames) == n and frames[0].shape == (96, 128, 3) and frames[0].dtype == np.uint8
    assert np.abs(frames[n // 2].astype(int) - img).mean() < 8
    assert len(list(read_video_frames(tmp_path / "out.mp4", every=4))) == len(range(0, n, 4))
    data = (tmp_path / "out.mp4").read_bytes()
    assert b"crf=20.0" in data  # x264 writes its settings into an SEI message
    assert data.find(b"moov") < data.find(b"mdat")  # index first: plays while downloading


def test_audio_starts_at_zero(tmp_path):
    sr = 16000
    x = np.zeros(sr, np.float32)
    for k in (1000, 7000):  # clicks at known sample positions
        x[k:k + 32] = 0.8
    write_video(tmp_path / "c.mp4", np.zeros((25, 16, 16, 3), np.uint8), 25, AudioClip(x, sr))
    y = load_audio(tmp_path / "c.mp4", sample_rate=sr).samples
    loud = np.flatnonzero(np.abs(y) > 0.4)
    onsets = loud[np.r_[True, np.diff(loud) > 100]]
    assert np.abs(onsets - [1000, 7000]).max() <= 8
    with av.open(str(tmp_path / "c.mp4")) as c:  # load_audio ignores timestamps; check them here
        a = c.streams.audio[0]
        assert a.start_time == 0 and next(c.decode(a)).pts == 0


def test_saturated_colours_and_frame_order_survive(tmp_path):
    blocks = np.array([(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0),
                       (255, 255, 0), (0, 255, 255), (255, 0, 255)], np.uint8)
    img = np.repeat(np.repeat(blocks[None], 32, axis=0), 32, axis=1)  # (32, 256, 3) colour bars
    frames = np.stack([np.clip(img.astype(int) - 25 * i, 0, 255).astype(np.uint8)
                       for i in range(8)])  # each frame darker than the last
    write_video(tmp_path / "bars.mp4", frames, 30, None)

    got = np.stack(list(read_video_frames(tmp_path / "bars.mp4")))
    assert got.shape == frames.shape
    # same colour matrix both ways: a BT.601/709 mix-up gives a mean error of ~5.5 here
    assert np.abs(got.astype(int) - frames).mean() < 2.5
    assert np.all(np.diff(got.reshape(8, -1).mean(axis=1)) < -10)


def test_ntsc_frame_rate_one_frame_at_a_time(tmp_path):
    with VideoWriter(tmp_path / "ntsc.mp4", 16, 16, 29.97, None) as vw:
        for _ in range(30):
            vw.write(np.zeros((16, 16, 3), np.uint8))  # (H, W, 3) is one frame
    assert vw.n_frames == 30
    info = probe_video(tmp_path / "ntsc.mp4")
    assert info["fps"] == pytest.approx(30000 / 1001)
    assert info["n_frames"] == 30
    assert abs(info["duration"] - 30 * 1001 / 30000) < 1 / 30


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_exception_leaves_no_file(tmp_path, exc):
    with pytest.raises(exc):
        with VideoWriter(tmp_path / "out.mp4", 16, 16, 25, None) as vw:
            vw.write(np.zeros((3, 16, 16, 3), np.uint8))
            assert any(p.name.startswith(".tritalk-") for p in tmp_path.iterdir())
            raise exc("stop")
    assert list(tmp_path.iterdir()) == []


def test_exception_keeps_existing_output(tmp_path):
    out = tmp_path / "out.mp4"
    out.write_bytes(b"previous result")
    with pytest.raises(ValueError):
        with VideoWriter(out, 16, 16, 25, None) as vw:
            vw.write(np.zeros((2, 16, 16, 3), np.uint8))
            vw.write(np.zeros((2, 8, 8, 3), np.uint8))  # wrong size: a bug in the caller
    assert out.read_bytes() == b"previous result"
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]

    write_video(out, np.zeros((2, 16, 16, 3), np.uint8), 25, None)  # a clean run replaces it
    assert probe_video(out)["n_frames"] == 2


def test_no_frames_written_leaves_no_file(tmp_path):
    with pytest.raises(ValueError, match="no frames"):
        with VideoWriter(tmp_path / "out.mp4", 16, 16, 25, None):
            pass
    assert list(tmp_path.iterdir()) == []


def test_output_and_config_errors_come_before_any_work(tmp_path):
    with pytest.raises(OutputError, match="does not exist") as e:
        VideoWriter(tmp_path / "no" / "such" / "dir" / "out.mp4", 16, 16, 25, None)
    assert "\n" not in str(e.value)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        VideoWriter(tmp_path / "file" / "out.mp4", 16, 16, 25, None)
    with pytest.raises(OutputError, match="is a folder"):
        VideoWriter(tmp_path, 16, 16, 25, None)
    with pytest.raises(ConfigError, match="even"):
        VideoWriter(tmp_path / "out.mp4", 17, 16, 25, None)
    with pytest.raises(ConfigError, match="fps"):
        VideoWriter(tmp_path / "out.mp4", 16, 16, 0, None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root can write anywhere")
def test_read_only_folder_is_output_error(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="not writable"):
            VideoWriter(ro / "out.mp4", 16, 16, 25, None)
    finally:
        ro.chmod(0o700)


@pytest.mark.parametrize("rate", [8000, 10000, 16000, 44100, 48000])
def test_audio_is_48k_and_both_tracks_last_the_input_within_a_frame(tmp_path, rate):
    # 8 and 16 kHz used to be written as they came: AAC's 1024-sample frames then last 128 / 64 ms,
    # and the padded last frame decoded 108 / 44 ms past the input's end (1.3 s here)
    fps, seconds = 25, 1.3
    audio = AudioClip(tone(440, seconds, rate), rate)
    n = math.ceil(seconds * fps)  # what the pipeline writes
    write_video(tmp_path / "t.mp4", np.zeros((n, 16, 16, 3), np.uint8), fps, audio)

    with av.open(str(tmp_path / "t.mp4")) as c:
        a, v = c.streams.audio[0], c.streams.video[0]
        assert a.codec_context.sample_rate == 48000
        audio_track = float(a.duration * a.time_base)
        video_track = float(v.duration * v.time_base)
        decoded = np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(a)])
    with av.open(str(tmp_path / "t.mp4")) as c:
        n_decoded = sum(1 for _ in c.decode(video=0))
    for what, duration in (("audio track", audio_track), ("decoded audio", decoded.size / 48000),
                           ("video track", video_track), ("decoded video", n_decoded / fps)):
        assert abs(duration - seconds) <= 1 / fps, f"{what}: {duration:.4f} s for {seconds} s of audio"
    assert abs(peak_hz(decoded[:48000], 48000) - 440) < 3  # resampled, not sped up or slowed down
    info = probe_video(tmp_path / "t.mp4")
    assert info["audio_rate"] == 48000 and info["audio_duration"] == pytest.approx(seconds, abs=1e-3)
    assert abs(load_audio(tmp_path / "t.mp4").duration - seconds) < 1e-3


def test_works_from_a_worker_thread(tmp_path):
    # a threaded web server writes from its workers, where signal.signal raises ValueError
    outcome: dict[str, BaseException | None] = {}

    def job(name: str, fail: bool) -> None:
        try:
            with VideoWriter(tmp_path / name, 32, 32, 25, AudioClip(tone(440, 0.4, 16000), 16000)) as vw:
                vw.write(np.repeat(gradient(32, 32)[None], 10, axis=0))
                if fail:
                    raise RuntimeError("the render failed")
            outcome[name] = None
        except BaseException as e:  # handed to the main thread, which asserts on it
            outcome[name] = e

    workers = [threading.Thread(target=job, args=("ok.mp4", False)),
               threading.Thread(target=job, args=("failed.mp4", True))]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=60)
    assert outcome["ok.mp4"] is None, outcome["ok.mp4"]
    assert isinstance(outcome["failed.mp4"], RuntimeError)
    assert [p.name for p in tmp_path.iterdir()] == ["ok.mp4"]  # the failed one left nothing
    info = probe_video(tmp_path / "ok.mp4")
    assert (info["n_frames"], info["audio_rate"]) == (10, 48000)
    assert abs(info["audio_duration"] - 0.4) < 1e-3


def test_never_touches_signal_handlers(tmp_path, monkeypatch):
    calls = []

    def forbidden(*args):
        calls.append(args)
        raise ValueError("signal only works in main thread of the main interpreter")

    monkeypatch.setattr(signal, "signal", forbidden)
    write_video(tmp_path / "a.mp4", np.zeros((3, 16, 16, 3), np.uint8), 25, None)
    for exc in (RuntimeError, KeyboardInterrupt):
        with pytest.raises(exc):
            with VideoWriter(tmp_path / "b.mp4", 16, 16, 25, None) as vw:
                vw.write(np.zeros((3, 16, 16, 3), np.uint8))
                raise exc("stop")
    assert calls == []
    assert [p.name for p in tmp_path.iterdir()] == ["a.mp4"]


class _InterruptAtLine:
    """A trace function that raises KeyboardInterrupt at the k-th line run in tritalk.io (counting
    from ``arm()``), the way Ctrl-C lands between two lines. Python unsets a trace function that
    raises, so each run gets one interrupt."""

    def __init__(self, k: int, armed: bool = True):
        self.k, self.armed, self.count, self.where = k, armed, 0, None
        self._files = {video_module.__file__, audio_module.__file__}

    def arm(self) -> None:
        self.armed = True

    def __call__(self, frame, event, arg):
        return self._line if frame.f_code.co_filename in self._files else None

    def _line(self, frame, event, arg):
        if event == "line" and self.armed:
            self.count += 1
            if self.count == self.k:
                self.where = f"{frame.f_code.co_name}:{frame.f_lineno}"
                raise KeyboardInterrupt(self.where)
        return self._line


def _interrupt_everywhere(tmp_path, body_fails: bool) -> tuple[list[bool], list[str]]:
    """Write a short clip over an existing file, interrupted at line 1, 2, 3, ... until a run
    goes through. After each run, once the caller has dropped the writer, the folder must hold
    the old file untouched or a complete new one, and no temp file.

    Returns, for each run, whether it left the new file, and where the interrupts landed
    (``function:line``) whose temp file only went when the writer was dropped (its finalizer)."""
    out = tmp_path / "out.mp4"
    audio = AudioClip(tone(440, 0.12, 16000), 16000)
    new_file, finalized = [], []
    for k in range(1, 100_000):
        out.write_bytes(b"previous result")
        trace = _InterruptAtLine(k, armed=not body_fails)
        before, vw = sys.gettrace(), None
        sys.settrace(trace)
        try:
            with VideoWriter(out, 16, 16, 25, audio) as vw:
                vw.write(np.zeros((3, 16, 16, 3), np.uint8))
                if body_fails:
                    trace.arm()  # count from here: interrupts during the cleanup
                    raise RuntimeError("the render failed")
        except (KeyboardInterrupt, RuntimeError):
            pass
        finally:
            sys.settrace(before)
        if len(list(tmp_path.iterdir())) > 1:
            finalized.append(trace.where)
            vw = None  # the caller is done with it, as after an except block
            gc.collect()
        assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"], trace.where
        new_file.append(out.read_bytes() != b"previous result")
        if new_file[-1]:
            assert not body_fails, trace.where
            assert probe_video(out)["n_frames"] == 3, trace.where  # complete, not cut
        if trace.count < k:  # no line was left to interrupt: every point was tried
            return new_file, finalized
    raise AssertionError("the writer never finished")


def test_interrupt_at_any_line_leaves_the_old_file_or_a_complete_new_one(tmp_path):
    new_file, finalized = _interrupt_everywhere(tmp_path, body_fails=False)
    # one commit point (os.replace): interrupted before it, the old file; after it, the new one
    first_new = new_file.index(True)
    assert not any(new_file[:first_new]) and all(new_file[first_new:]), new_file
    _only_cleanup_entries(finalized)


def test_second_interrupt_during_the_cleanup_still_leaves_nothing(tmp_path):
    _, finalized = _interrupt_everywhere(tmp_path, body_fails=True)
    _only_cleanup_entries(finalized)


def _only_cleanup_entries(finalized: list[str]) -> None:
    # Python checks for Ctrl-C on entering a function, before its first try. Only an interrupt
    # there, in __exit__ or the cleanup itself, leaves the temp file to the writer's finalizer.
    assert {w.split(":")[0] for w in finalized} <= {"__exit__", "_discard"}, finalized
