"""``benchmarks/time_to_quality.py``'s output: what it writes, not how fast anything is."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_time_to_quality_writes_one_json_line_per_checkpoint(tmp_path):
    out = tmp_path / "ttq.jsonl"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "time_to_quality.py"), "--config",
           str(ROOT / "configs" / "shapes_fast.yaml"), "--at", "0.5,1.0", "--out", str(out), "--run-dir",
           str(tmp_path / "run"), "--seed", "3", "--threads", "1", "--n", "4", "--styles", "2", "--pair-styles", "4",
           "--pair-inputs", "2", "--probe-images", "24", "--set", "image_size=32", "new_size=32", "gen_dim=8", "mlp_dim=16", "n_res=1",
           "dis_dim=8", "dis_num_scales=1", "data_root=shapes:8", "batch_size=2", "log_every=1"]
    subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert again.returncode != 0 and "already holds a run" in again.stderr  # never mixes two runs silently
    # resumed with one mark the run has passed (where it stopped) and one it has not: a busy machine
    # can take seconds for the first iterations, so the marks follow the clock the run reached
    reached = math.floor(json.loads(out.read_text().splitlines()[-1])["wall_s"] * 10) / 10
    later = round(reached + 0.5, 1)
    resumed = [c if c != "0.5,1.0" else f"{reached},{later}" for c in cmd] + ["--resume"]
    subprocess.run(resumed, check=True, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 3  # 0.5 and 1.0, then only the later mark: the resumed run skips marks it has passed
    assert [r["wall_s"] >= m for r, m in zip(rows, (0.5, 1.0, later))] == [True, True, True]
    assert rows[0]["iteration"] <= rows[1]["iteration"] <= rows[2]["iteration"]
    assert {r["seed"] for r in rows} == {3} and {r["score_seed"] for r in rows} == {0}  # training vs scoring seed
    for row in rows:
        for key in ("content_iou_a2b", "content_iou_b2a", "colour_coverage", "colour_coverage_fresh", "pair_coverage",
                    "pair_coverage_fresh", "guided_colour", "guided_texture", "probe_style_texture",
                    "probe_content_texture", "machine", "date", "meets_must"):
            assert key in row, key
        assert 0.0 <= row["content_iou_a2b"] <= 1.0
    table = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "time_to_quality.py"), "--report", str(out)],
                           check=True, capture_output=True, text=True, timeout=120).stdout
    assert table.count("\n| ") == 1 + 3  # the header, then one row per score
    assert f"{rows[0]['label']}**, seed {rows[0]['seed']}" in table
