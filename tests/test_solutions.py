"""The worked solutions are right: each notebook's exercise check accepts them (scripts/check_solutions.py).

The mechanism is tested on small notebooks written here (a right solution passes, a wrong one, one that
raises and one that answers nothing fail). The course's own notebooks whose solutions run in seconds
are checked here as well; `make solutions` checks every notebook (a few minutes more: 05, 07 and 09-12
re-run their lessons' heavier cells).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from munit_test_helpers import load_repo_file

ROOT = Path(__file__).resolve().parents[1]
check_solutions = load_repo_file("scripts/check_solutions.py")

#: Notebooks whose solutions this test runs (each under half a minute on the 2-core machine).
FAST = ["00_overview_and_setup", "01_instance_norm_and_adain", "02_content_and_style_encoders",
        "03_decoder_and_mlp", "04_discriminator_and_adversarial_losses", "06_data_unpaired_domains",
        "08_multimodal_translation", "A1_appendix_data_and_texture"]


def twin(tmp_path: Path, solution_1: str, solution_2: str = "Prose only: the answer is 3.") -> Path:
    """A py:percent notebook with a lesson cell, two checked exercises and their solutions."""
    text = f'''# %%
base = 20

# %% [markdown]
# ## Exercises
# 1. Double `base`.  2. Count to three.

# %%
ex1_double = None  # 1.
ex2_count = None   # 2.

answered = []
if ex1_double is not None:
    assert ex1_double == 2 * base, "1: twice base"
    answered.append(1)
if ex2_count is not None:
    assert ex2_count == 3, "2: three"
    answered.append(2)
if answered:
    print("correct:", answered)

# %% [markdown]
# ## Solutions
#
# <details><summary>Solution to exercise 1</summary>
#
# ```python
# {solution_1}
# ```
#
# </details>
#
# <details><summary>Solution to exercise 2</summary>
#
# {solution_2}
#
# </details>
'''
    path = tmp_path / "99_tiny.py"
    path.write_text(text)
    return path


def test_a_right_solution_is_accepted_and_prose_is_listed(tmp_path):
    accepted, prose = check_solutions.check_solutions(twin(tmp_path, "ex1_double = 2 * base"))
    assert accepted == [1] and prose == [2]


@pytest.mark.parametrize("solution, message", [
    ("ex1_double = base + 1", "twice base"),  # a wrong answer: the check's assert fails
    ("ex1_double = undefined_name", "undefined_name"),  # the solution raises
    ("print(2 * base)", "did not accept"),  # code that answers nothing
])
def test_a_wrong_raising_or_silent_solution_fails(tmp_path, solution, message):
    with pytest.raises(Exception, match=message):
        check_solutions.check_solutions(twin(tmp_path, solution))


def test_the_kernel_runs_under_the_ci_profile_and_this_process_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.delenv("MUNIT_PROFILE", raising=False)
    monkeypatch.setenv("MPLBACKEND", "module://caller_backend")  # a caller's own value is passed on, not replaced
    solution = ("import os; ex1_double = 2 * base if (os.environ['MUNIT_PROFILE'], os.environ['MPLBACKEND']) == "
                "('ci', 'module://caller_backend') else None")
    accepted, _ = check_solutions.check_solutions(twin(tmp_path, solution))
    assert accepted == [1]
    assert "MUNIT_PROFILE" not in os.environ


def test_a_notebook_without_a_check_cell_is_refused(tmp_path):
    path = tmp_path / "98_none.py"
    path.write_text("# %%\nx = 1\n")
    with pytest.raises(ValueError, match="check cell"):
        check_solutions.solutions_notebook(path)


@pytest.mark.parametrize("name", FAST)
def test_the_course_solutions_pass_their_checks(name):
    accepted, prose = check_solutions.check_solutions(ROOT / "notebooks" / f"{name}.py")
    assert accepted, f"{name}: no solution answered its check in code"
