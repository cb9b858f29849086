"""What `pytest --nbval notebooks/` compares, and where the stored outputs come from.

The stored outputs are a real run under the `cpu` profile (`make outputs`); the check re-runs every
cell under the CI profile in nbval's lax mode and compares only the cells marked
`# NBVAL_CHECK_OUTPUT` (notebooks/conftest.py). These tests read the stored notebooks (nothing is
executed) and keep that arrangement honest:

- the markers cannot quietly disappear: tests/nbval_checked.json records how many cells of each
  notebook are checked, and every notebook checks at least a floor of its cells with text output;
- a marked cell has something to compare (text output stored), and is never also ignored;
- every notebook's stored outputs come from the real profile (the store script's stamp in the
  metadata, the profile the notebooks print, the "Stored outputs" line of the introduction), from
  one uninterrupted run (execution counts 1, 2, 3, ... on every code cell).

When you mark or unmark cells, update tests/nbval_checked.json in the same commit.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from munit_test_helpers import load_repo_file

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = Path(__file__).resolve().parent / "nbval_checked.json"
CHECK, IGNORE = "# NBVAL_CHECK_OUTPUT", "# NBVAL_IGNORE_OUTPUT"
PATTERNS = ("[0-9][0-9]_*", "A[0-9]_*")  # the lessons and the optional appendices
NOTEBOOKS = sorted(p.stem for pattern in PATTERNS for p in (ROOT / "notebooks").glob(f"{pattern}.ipynb"))
NAMES = sorted(json.loads(MANIFEST.read_text(encoding="utf-8")))  # tested to be NOTEBOOKS

#: Floors: every notebook checks at least MIN_CHECKED cells and MIN_SHARE of its code cells with text
#: output. The notebooks whose results do not depend on the profile check nearly all of them; those
#: that train or sample (07-10, 12) check what is fixed (configs, by-hand against library, shapes).
MIN_CHECKED, MIN_SHARE = 3, 0.3

#: Notebooks below the floor, and why: at least one cell is still compared.
BELOW_THE_FLOOR = {
    "09_theory_measured": "every measurement runs on the profile's sample sizes (200 and 600 test images stored, "
                          "32 and 128 in CI); each is checked in CI by an assert against its by-hand version; "
                          "the sample sizes of every profile, the loaded model, the recipes table, the shipped "
                          "variants' scores and their three seeds are compared",
}

#: Notebooks that print "profile: <name>" (the training and measuring ones).
PRINT_THEIR_PROFILE = ("07_training", "09_theory_measured", "10_where_munit_comes_from")

#: Text that nbval compares (figures are PNG, which it does not compare).
TEXT_KEYS = ("text/plain", "text/html", "text/latex", "image/svg+xml")


def store_script():
    return load_repo_file("scripts/store_notebook_outputs.py")


def read(name):
    return nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def marked(cell, marker=CHECK) -> bool:
    return any(line.strip() == marker for line in cell.source.splitlines())


def has_text_output(cell) -> bool:
    return any(out.output_type == "stream" or out.output_type == "error"
               or any(key in out.get("data", {}) for key in TEXT_KEYS) for out in cell.get("outputs", []))


def output_text(nb) -> str:
    parts = []
    for cell in code_cells(nb):
        for out in cell.outputs:
            parts.append(out.get("text", ""))
            parts.extend(str(out.get("data", {}).get(key, "")) for key in ("text/plain", "text/html"))
    return "\n".join(parts)


def test_the_manifest_names_every_notebook():
    """Every notebook's stored outputs come from the real profile, and its checked cells are counted."""
    assert len(NOTEBOOKS) >= 14
    assert NAMES == NOTEBOOKS, "tests/nbval_checked.json must name every notebook (store a new one with make outputs)"


@pytest.mark.parametrize("name", NAMES)
def test_checked_cells_match_the_manifest(name):
    """Removing a marker (or adding one) is a decision, recorded in tests/nbval_checked.json."""
    count = sum(marked(cell) for cell in code_cells(read(name)))
    expected = json.loads(MANIFEST.read_text(encoding="utf-8"))[name]
    assert count == expected, (f"{name} has {count} cells marked {CHECK}, tests/nbval_checked.json says {expected}: "
                               "mark every cell whose output is the same under every profile, then update the file")


@pytest.mark.parametrize("name", NAMES)
def test_every_notebook_checks_a_share_of_its_outputs(name):
    cells = [cell for cell in code_cells(read(name)) if has_text_output(cell)]
    checked = [cell for cell in cells if marked(cell)]
    if name in BELOW_THE_FLOOR:
        assert checked, f"{name}: no cell is compared by the tests"
        return
    assert len(checked) >= MIN_CHECKED, f"{name}: only {len(checked)} cells are compared by the tests"
    assert len(checked) >= MIN_SHARE * len(cells), \
        f"{name}: {len(checked)} of {len(cells)} cells with text output are compared (the floor is {MIN_SHARE:.0%})"


@pytest.mark.parametrize("name", NAMES)
def test_a_checked_cell_has_text_to_compare_and_is_not_ignored(name):
    for i, cell in enumerate(code_cells(read(name))):
        if marked(cell):
            assert not marked(cell, IGNORE), f"{name}, code cell {i}: both checked and ignored"
            assert has_text_output(cell), f"{name}, code cell {i}: marked {CHECK} but stores no text output to compare"


@pytest.mark.parametrize("name", NAMES)
def test_stored_outputs_come_from_one_run_of_the_real_profile(name):
    nb = read(name)
    profile = store_script().STORED_PROFILE
    assert profile == "cpu"
    assert nb.metadata.get("munit_course", {}).get("outputs_profile") == profile, \
        f"{name}: its outputs were not stored by `make outputs` under the {profile} profile"
    counts = [cell.get("execution_count") for cell in code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), f"{name}: not one uninterrupted run (execution counts {counts})"
    outputs = [out for cell in code_cells(nb) for out in cell.outputs]
    assert not any(out.output_type == "error" for out in outputs), f"{name}: an error is stored"
    bars = [out for out in outputs if re.search(r"\b0%\|", str(out.get("data", {}).get("text/plain", "")))]
    assert not bars, f"{name}: a progress bar's widget is stored at 0% (store with TQDM_DISABLE=1, as the script does)"
    printed = set(re.findall(r"\bprofile: (\w+)", output_text(nb)))
    assert printed <= {profile}, f"{name}: its outputs print profile {sorted(printed)}"
    if name in PRINT_THEIR_PROFILE:
        assert printed == {profile}, f"{name} prints its profile, but its stored outputs do not show it"


@pytest.mark.parametrize("name", NAMES)
def test_every_notebook_says_which_profile_its_outputs_come_from(name):
    """One line of the introduction names the profile of the stored outputs, the one they came from."""
    text = "\n".join(cell.source for cell in read(name).cells if cell.cell_type == "markdown")
    lines = re.findall(r"^\*Stored outputs:.*$", text, re.M)
    assert len(lines) == 1, f"{name}: no line (or more than one) starts with '*Stored outputs:'"
    assert re.match(rf"\*Stored outputs: [^*]*`{store_script().STORED_PROFILE}` profile", lines[0]), lines[0]


def test_the_store_script_refuses_another_profile(monkeypatch, capsys):
    module = store_script()
    monkeypatch.setenv("MUNIT_PROFILE", "ci")
    assert module.main(["notebooks/00_overview_and_setup.py"]) == 2
    assert "cpu" in capsys.readouterr().err


def test_the_store_script_pins_the_threads_ci_pins():
    """Checked numbers agree bit for bit only when the stored run used CI's thread count."""
    from munit_lib.course import CI_THREADS

    module = store_script()
    assert module.STORE_ENV == {"MUNIT_PROFILE": "cpu", "OMP_NUM_THREADS": str(CI_THREADS), "OMP_WAIT_POLICY": "PASSIVE",
                                "TQDM_DISABLE": "1"}


def test_a_stored_progress_bar_shows_how_it_ended():
    """tqdm's widget stores its first state as text; the store script writes its final state instead."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("train()", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "text/plain": "MUNIT:   0%|          | 0/400 [00:00<?, ?it/s]",
        "application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0, "model_id": "box"}})]
    nb.cells.append(cell)
    models = {"box": ("HBoxModel", {"children": ["IPY_MODEL_l", "IPY_MODEL_p", "IPY_MODEL_r"]}),
              "l": ("HTMLModel", {"value": "MUNIT:\u2007100%"}), "p": ("FloatProgressModel", {"value": 400.0, "max": 400.0}),
              "r": ("HTMLModel", {"value": "\u2007400/400\u2007[03:10&lt;00:00,\u2007\u20072.10it/s]"})}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": {key: {"model_name": name, "state": state} for key, (name, state) in models.items()}}}
    assert store_script().freeze_progress_bars(nb) == 1
    assert cell.outputs[0]["data"] == {"text/plain": "MUNIT: 100%|██████████| 400/400 [03:10<00:00,  2.10it/s]"}
