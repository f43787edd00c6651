"""Which clips ``tritalk eval`` reads from a folder: MEAD (EAT's test split), HDTF, GRID, or any videos.

Layouts are recognised per file by training/data.py ``find_videos`` (MEAD: front view only). MEAD clips are
kept only for EAT's four test speakers (Gan et al. 2023, the split the paper follows: "all data of four
identities as the test part"); ``split="all"`` keeps every speaker. HDTF, GRID and other videos are all kept.
``clips`` picks clips by id or file stem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from tritalk.errors import InputError
from tritalk.training.data import VideoItem, find_videos

EAT_TEST_SPEAKERS = ("M003", "M030", "W009", "W015")  # EAT's MEAD test identities


def eval_clips(data_dir: str | Path, split: str = "test", clips: Sequence[str] = ()) -> list[VideoItem]:
    items = find_videos(data_dir)
    if split == "test":
        items = [i for i in items if i.layout != "mead" or i.speaker in EAT_TEST_SPEAKERS]
    if clips:
        wanted = set(clips)
        items = [i for i in items if i.id in wanted or Path(i.path).stem in wanted]
    if not items:
        raise InputError(f"no talking-face videos to evaluate in '{data_dir}'"
                         + (f" matching {', '.join(clips)}" if clips else "")
                         + "; give a folder of .mp4 clips (GRID, MEAD, HDTF layouts or any)")
    return items
