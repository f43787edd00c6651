"""The dataset runner's small pieces: views on both sides, strict JSON, aggregation over clips."""

import json
import math

from tritalk.eval.report import aggregate
from tritalk.eval.runner import finite, views_from


def test_a_view_means_both_sides_and_zero_once():
    assert views_from([0, 30, 60]) == (0.0, -30.0, 30.0, -60.0, 60.0)
    assert views_from([30, 0, 30]) == (-30.0, 30.0, 0.0)


def test_results_are_strict_json():
    row = {"a": float("nan"), "b": [1.0, float("inf")], "c": {"d": 2.0, "e": "n/a (no weights at X)"}}
    text = json.dumps(finite(row), allow_nan=False)
    assert json.loads(text) == {"a": None, "b": [1.0, None], "c": {"d": 2.0, "e": "n/a (no weights at X)"}}


def test_aggregate_means_numbers_and_keeps_na_strings():
    rows = [{"systems": {"mesh": {"0": {"PSNR": 20.0, "LSE-C": "n/a (no weights at W)", "M-LMD": None}}},
             "real": {"face_rate": 1.0}},
            {"systems": {"mesh": {"0": {"PSNR": 30.0, "LSE-C": "n/a (no weights at W)", "M-LMD": 0.1}}},
             "real": {"face_rate": 0.5}}]
    s = aggregate(rows)
    assert s["mesh"]["0"]["PSNR"] == 25.0 and s["mesh"]["0"]["n_clips"] == 2
    assert s["mesh"]["0"]["M-LMD"] == 0.1  # a clip without a value does not count as 0
    assert s["mesh"]["0"]["LSE-C"].startswith("n/a")
    assert math.isclose(s["real"]["0"]["face_rate"], 0.75)
