"""scripts/publish_shapes_model.py's README: what it says of the scores it is given."""
from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "pretrained" / "shapes"


def _publisher(out: Path):
    spec = importlib.util.spec_from_file_location("publish_shapes_model", ROOT / "scripts" / "publish_shapes_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.OUT = out  # write into a scratch folder, never over the shipped model
    shutil.copyfile(SHIPPED / "config.yaml", out / "config.yaml")
    return module


def test_readme_states_the_fresh_coverage_when_the_scores_have_it(tmp_path):
    publish = _publisher(tmp_path)
    scores = json.loads((SHIPPED / "scores.json").read_text(encoding="utf-8"))
    publish.write_readme(scores, scores["iteration"], scores["iteration"])
    before = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "0.999 | 0.9 | 1.0" in before  # the shared draw's colours, as scored then
    assert "perfect sampler" not in before  # scores made before the fresh measures: nothing invented
    scores.update(colour_coverage_fresh=0.871, colour_coverage_ideal=1 - (7 / 8) ** 16, pair_coverage_fresh=0.585)
    publish.write_readme(scores, scores["iteration"], scores["iteration"])
    after = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "codes: colours 0.871 (a perfect sampler of the 8 colours scores 0.882)" in after
    assert "pairs with 64 styles 0.585" in after
