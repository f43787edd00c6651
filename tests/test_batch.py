"""`tritalk batch`: one video per CSV row on worker processes; a bad row is reported and the rest are made;
a rerun skips what exists; the exit code says whether any row failed."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import speech_excerpt

from tritalk.batch import Job, read_jobs, run_batch, run_job
from tritalk.errors import ConfigError
from tritalk.io.video import probe_video


def run_cli(*args, timeout: int = 400) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tritalk.cli.main", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def speech_1s(tmp_path_factory, example_audio_path) -> Path:
    return speech_excerpt(example_audio_path, 1.0, tmp_path_factory.mktemp("audio"))


def test_four_jobs_one_bad_row_three_videos_then_a_rerun_skips_them(tmp_path, example_image_path, speech_1s):
    (tmp_path / "out").mkdir()
    jobs = tmp_path / "jobs.csv"
    jobs.write_text("image,audio,output,emotion,intensity,yaw,pitch,seed\n"
                    f"{example_image_path},{speech_1s},out/a.mp4,happy,0.8,10,,1\n"
                    f"{example_image_path},{speech_1s},out/b.mp4,,,,,\n"
                    f"no_such_photo.jpg,{speech_1s},out/c.mp4,sad,,,,\n"
                    f"{example_image_path},{speech_1s},out/d.mp4,angry,0.3,,5,2\n")
    proc = run_cli("batch", jobs, "--workers", "2", "--size", "128", "--fps", "10")
    assert proc.returncode == 8, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "batch: 3 done, 0 skipped (output exists), 1 failed" in proc.stdout
    for name in "abd":
        assert probe_video(tmp_path / "out" / f"{name}.mp4")["n_frames"] == 10
    assert not (tmp_path / "out" / "c.mp4").exists()
    with open(tmp_path / "jobs.failures.csv", newline="") as f:
        (failure,) = list(csv.DictReader(f))
    assert failure["row"] == "4" and "no_such_photo.jpg" in failure["error"] and "\n" not in failure["error"]
    assert "row 4: failed: cannot read image" in proc.stderr

    stamps = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out").iterdir()}
    again = run_cli("batch", jobs, "--workers", "2", "--size", "128", "--fps", "10")
    assert again.returncode == 8, again.stderr
    assert "batch: 0 done, 3 skipped (output exists), 1 failed" in again.stdout
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out").iterdir()} == stamps


def test_a_jobs_file_without_the_required_columns_exits_5(tmp_path):
    jobs = tmp_path / "jobs.csv"
    jobs.write_text("photo,audio,output\na.jpg,a.wav,a.mp4\n")
    proc = run_cli("batch", jobs)
    assert proc.returncode == 5
    assert proc.stderr.startswith("error: jobs file") and "no column image" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_read_jobs_resolves_paths_against_the_csv_and_keeps_options(tmp_path):
    jobs = tmp_path / "jobs.csv"
    jobs.write_text("Image, audio ,output,seed,hair\nface.jpg,/abs/s.wav,out/x.mp4,3,long\n,,,,\n")
    (job,) = read_jobs(jobs)
    assert job.row == 2 and job.image == tmp_path / "face.jpg" and job.audio == Path("/abs/s.wav")
    assert job.output == tmp_path / "out" / "x.mp4" and job.options == {"seed": "3", "hair": "long"}
    # a bad hair name fails its row in one line before any work (no model is touched: head is None)
    job.options["hair"] = "curly"
    (tmp_path / "out").mkdir()
    with pytest.raises(ConfigError, match="hair 'curly' is unknown; choose one of auto, short, over_ears, long"):
        run_job(None, job)
    jobs.write_text("image,audio,output,colour\n")
    with pytest.raises(ConfigError, match="unknown column colour"):
        read_jobs(jobs)


def test_two_rows_writing_one_output_fail_the_second_before_any_work(tmp_path):
    a = Job(2, tmp_path / "f.jpg", tmp_path / "s.wav", tmp_path / "same.mp4")
    b = Job(3, tmp_path / "g.jpg", tmp_path / "s.wav", tmp_path / "same.mp4")
    (tmp_path / "same.mp4").write_bytes(b"x")  # exists: the first is skipped, the second still clashes
    report = run_batch([a, b], workers=1)
    assert [(o.job.row, o.status) for o in report.outcomes] == [(2, "skipped"), (3, "failed")]
    assert "also the output of row 2" in report.outcomes[1].message


def test_python_api_takes_the_emotion_as_a_string(tmp_path, example_image_path, speech_1s):
    """The README's one-liner: TalkingHead(...).generate(photo, audio, emotion="happy").save(...)."""
    out = tmp_path / "happy.mp4"
    code = ("import dataclasses; from tritalk import TalkingHead, TritalkConfig; "
            "config = dataclasses.replace(TritalkConfig(), size=128, fps=10); "
            "head = TalkingHead.load(config=config); "
            f"r = head.generate({str(example_image_path)!r}, {str(speech_1s)!r}, emotion='happy'); "
            f"r.save({str(out)!r}); "
            "from tritalk.types import IDX; smile = lambda m: m.expr[:, IDX['mouthSmileLeft']].mean(); "
            "plain = head.generate(r.subject.image, r.audio, emotion='neutral').motion; head.close(); "
            "print(smile(r.motion) > smile(plain) + 0.1, r.motion.expr.shape)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-3:] == ["True", "(10,", "52)"]  # the string was read as happy: it smiles
    assert probe_video(out)["n_frames"] == 10


def test_ctrl_c_inside_compiled_code_stops_the_batch(monkeypatch, tmp_path):
    """A bug in one row is that row's failure, but Ctrl-C that lands while a numba function returns reaches Python as
    a SystemError caused by the KeyboardInterrupt: it stops the batch instead of failing one row and going on."""
    import tritalk.batch as batch

    def interrupted(*a, **k):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as ki:
            raise SystemError("CPUDispatcher(<function _bounds>) returned a result with an exception set") from ki

    def bug(*a, **k):
        raise ValueError("a bug")

    job = Job(row=1, image=tmp_path / "a.jpg", audio=tmp_path / "a.wav", output=tmp_path / "a.mp4")
    monkeypatch.setattr(batch, "run_job", bug)
    assert batch._run_in_worker(job, overwrite=False).status == "failed"
    monkeypatch.setattr(batch, "run_job", interrupted)
    with pytest.raises(KeyboardInterrupt):
        batch._run_in_worker(job, overwrite=False)
