"""The notebooks' helpers in ``munit_lib.course``: ``load_or_train`` (train only what is missing)
and ``plot_losses`` (curves of a run's ``losses.csv``)."""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")  # no display in the tests

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from munit_lib import MUNITConfig  # noqa: E402
from munit_lib.course import _moving_average, load_or_train, plot_losses, repository_root  # noqa: E402
from munit_lib.training import Trainer, read_loss_log, read_training_checkpoint  # noqa: E402


def tiny_cfg(**changes) -> MUNITConfig:
    base = dict(data_root="shapes:8", log_every=1, sample_every=1000, checkpoint_every=1000, display_size=2)
    return MUNITConfig.profile_named("ci", **{**base, **changes})


def train(tmp_path, name: str, max_iter: int, **changes) -> Trainer:
    return load_or_train(tiny_cfg(**changes), tmp_path / name, max_iter, progress=False, tensorboard=False)


def same_weights(one: Trainer, two: Trainer) -> bool:
    a, b = one.model.state_dict(), two.model.state_dict()
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ----------------------------------------------------------------------------- load_or_train
def test_trains_from_scratch_when_there_is_no_checkpoint(tmp_path):
    run = train(tmp_path, "run", 2)
    assert run.iteration == 2
    assert read_training_checkpoint(run.checkpoint_path)["iteration"] == 2
    assert read_loss_log(run.log_path)["iteration"] == [1.0, 2.0]


def test_a_finished_run_is_loaded_without_training(tmp_path, monkeypatch):
    done = train(tmp_path, "run", 2)
    log_before = done.log_path.read_text()

    def no_training(self, *args, **kwargs):
        raise AssertionError("load_or_train trained a run that was already finished")

    monkeypatch.setattr(Trainer, "fit", no_training)
    again = train(tmp_path, "run", 2)
    assert again.iteration == 2 and same_weights(done, again)
    fewer = train(tmp_path, "run", 1)  # a checkpoint past max_iter is loaded as it is
    assert fewer.iteration == 2 and same_weights(done, fewer)
    assert done.log_path.read_text() == log_before


def test_an_earlier_checkpoint_is_continued_exactly(tmp_path):
    straight = train(tmp_path, "straight", 3)
    first = train(tmp_path, "split", 1)
    assert first.iteration == 1
    torch.manual_seed(99)  # the global RNG of a new session: must not matter
    second = train(tmp_path, "split", 3)
    assert second.iteration == 3 and same_weights(straight, second)
    assert read_loss_log(second.log_path) == read_loss_log(straight.log_path)


def test_a_checkpoint_of_another_architecture_is_refused_not_overwritten(tmp_path):
    train(tmp_path, "run", 1)
    with pytest.raises(ValueError, match="gen_dim"):
        train(tmp_path, "run", 2, gen_dim=4)
    assert read_training_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")["iteration"] == 1


def test_max_iter_must_not_be_negative(tmp_path):
    with pytest.raises(ValueError, match="max_iter"):
        train(tmp_path, "run", -1)


# ----------------------------------------------------------------------------- plot_losses
def fake_log(n: int = 30) -> dict[str, list[float]]:
    keys = ["dis_total", "gen_adv_a", "gen_adv_b", "gen_recon_x_a", "gen_recon_x_b", "gen_recon_c_a",
            "gen_recon_c_b", "gen_recon_s_a", "gen_recon_s_b", "gen_total"]
    log = {"iteration": [10.0 * (i + 1) for i in range(n)], "lr": [1e-4] * n}
    log.update({k: [1.0 / (i + 1) + j for i in range(n)] for j, k in enumerate(keys)})
    return log


def test_default_panels_group_the_losses():
    fig = plot_losses(fake_log(100))  # default smoothing: a window of 100 / 25 = 4 rows
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["adversarial (LSGAN)", "image reconstruction", "latent reconstruction"]
    labels = [[t.get_text() for t in ax.get_legend().get_texts()] for ax in fig.axes]
    assert labels[1] == ["gen_recon_x_a", "gen_recon_x_b"]
    # x axis is the iteration column; smoothed curves sit over faint raw ones
    x = fig.axes[0].lines[0].get_xdata()
    assert list(x) == fake_log(100)["iteration"]
    assert len(fig.axes[0].lines) == 2 * 3
    assert len(plot_losses(fake_log(20)).axes[0].lines) == 3  # too few rows to smooth


def test_keys_as_a_list_or_a_mapping_and_no_smoothing():
    fig = plot_losses(fake_log(), keys=["gen_total"], smooth=1)
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 1
    assert list(fig.axes[0].lines[0].get_ydata()) == fake_log()["gen_total"]
    fig = plot_losses(fake_log(), keys={"D": ["dis_total"], "G": ["gen_total"]}, smooth=5, title="run")
    assert [ax.get_title() for ax in fig.axes] == ["D", "G"]


def test_smoothing_is_a_trailing_mean_that_skips_non_finite_values():
    assert _moving_average([1.0, 2.0, 3.0, 4.0], 2) == [1.0, 1.5, 2.5, 3.5]
    out = _moving_average([1.0, math.nan, 3.0, math.inf, math.nan, math.nan], 2)
    assert out[:4] == [1.0, 1.0, 3.0, 3.0] and math.isnan(out[5])


def test_unknown_keys_and_empty_logs_are_named():
    with pytest.raises(ValueError, match="'gen_nope'.*'gen_total'"):
        plot_losses(fake_log(), keys=["gen_nope"])
    with pytest.raises(ValueError, match="empty"):
        plot_losses({})


def test_plots_a_real_loss_log(tmp_path):
    run = train(tmp_path, "run", 2)
    fig = plot_losses(read_loss_log(run.log_path))
    assert len(fig.axes) == 3


# --------------------------------------------------------------------------- the course's clone
def test_the_repository_root_is_the_clone_munit_lib_is_installed_from():
    root = repository_root()
    assert (root / "pyproject.toml").is_file() and (root / "munit_lib" / "course.py").is_file()
    assert (root / "configs" / "openmoji_cpu.yaml").is_file()


def test_a_package_without_a_clone_beside_it_names_the_fix(tmp_path):
    package = tmp_path / "site-packages" / "munit_lib"  # what a plain `pip install` leaves
    package.mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=r"no configs/ or benchmarks/ in .*site-packages.*pip install -e \."):
        repository_root(package)
    (tmp_path / "site-packages" / "configs").mkdir()  # a half clone is still refused, naming what is missing
    with pytest.raises(FileNotFoundError, match=r"no benchmarks/"):
        repository_root(package)
