"""One config tree: built once, varied with dataclasses.replace, saved as JSON and loaded back equal."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tritalk.config import TritalkConfig
from tritalk.errors import ConfigError


def test_json_round_trip_is_equal_for_defaults_and_variants(tmp_path):
    cfg = TritalkConfig()
    cfg.save(tmp_path / "a.json")
    assert TritalkConfig.load(tmp_path / "a.json") == cfg
    varied = replace(cfg, size=256, motion=replace(cfg.motion, blink_rate=0.0, head_motion=0.3),
                     mesh=replace(cfg.mesh, expression_gain=(("jawOpen", 1.2),), rigid_eyes=False))
    varied.save(tmp_path / "b.json")
    back = TritalkConfig.load(tmp_path / "b.json")
    assert back == varied and back != cfg
    assert isinstance(back.mesh.expression_gain, tuple)


def test_every_stage_is_reachable_from_the_tree():
    cfg = TritalkConfig()
    for path in ("audio.sample_rate", "motion.post.smooth_s", "motion.blink.refractory_s", "motion.head.nod_deg",
                 "motion.gaze.vor_gain", "motion.emotion.transition_s", "fit.rounds", "mesh.portrait.grid",
                 "mesh.shading_ambient"):
        obj = cfg
        for part in path.split("."):
            obj = getattr(obj, part)
    assert cfg.engine_config() is cfg.mesh


def test_bad_files_and_values_fail_with_one_line(tmp_path):
    data = TritalkConfig().to_dict()
    data["motion"]["blink_rat"] = 3
    (tmp_path / "typo.json").write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="motion.blink_rat"):
        TritalkConfig.load(tmp_path / "typo.json")
    data = TritalkConfig().to_dict()
    data["size"] = "big"
    (tmp_path / "type.json").write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="size"):
        TritalkConfig.load(tmp_path / "type.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ConfigError, match="not JSON"):
        TritalkConfig.load(tmp_path / "bad.json")
    with pytest.raises(ConfigError, match="choose one of: mesh"):
        TritalkConfig(engine="nope")


def test_a_run_record_loads_as_its_config(tmp_path):
    from tritalk.pipeline import save_run_record

    cfg = replace(TritalkConfig(), size=128)
    save_run_record(tmp_path / "talk.tritalk.json", cfg, seed=3, emotion="happy")
    record = json.loads((tmp_path / "talk.tritalk.json").read_text())
    assert record["inputs"]["seed"] == 3
    assert TritalkConfig.load(tmp_path / "talk.tritalk.json") == cfg
