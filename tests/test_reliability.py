"""What broke when the library was attacked as a hostile user would (issue 9, reliability): each
test reproduces one failure first. The run lock comes before any change to a run folder; one log
row per logged iteration; failures found before iteration 1, and what is safe saved after; no
stale temporary files; one-line errors from the command line; Ctrl-C exits 130 and says so."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from munit_lib import MUNITConfig
from munit_lib.__main__ import main
from munit_lib.data import ShapesDomain, make_shapes_dataset
from munit_lib.data.folders import ImageLoadError
from munit_lib.training import Trainer, read_loss_log, read_training_checkpoint
from munit_lib.training import trainer as trainer_module
from munit_test_helpers import ActsAt, interrupt_at


def tiny_cfg(**changes) -> MUNITConfig:
    base = dict(data_root="shapes:4", log_every=1, sample_every=1000, checkpoint_every=1000, display_size=2)
    return MUNITConfig.profile_named("ci", **{**base, **changes})


def config_file(tmp_path: Path, **changes) -> Path:
    path = tmp_path / "tiny.yaml"
    tiny_cfg(**changes).to_yaml(path)
    return path


def train(config: Path, out: Path, *extra: str) -> int:
    return main(["train", "--config", str(config), "--out", str(out), "--quiet", *extra])


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


class Sleeper:
    """A live process other than this one (its pid stands for another trainer)."""

    def __enter__(self):
        self.process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        return self.process.pid

    def __exit__(self, *exc):
        self.process.kill()
        self.process.wait()


# ----------------------------------------------------------------------------- 1. the lock first
def test_resume_on_a_folder_another_process_trains_leaves_its_log_alone(tmp_path, capsys):
    """train --resume on a live run's folder is refused before its losses.csv is touched."""
    config, out = config_file(tmp_path), tmp_path / "run"
    assert train(config, out, "--max-iter", "2") == 0
    with open(out / "losses.csv", "a", encoding="utf-8") as f:  # the live run has logged past its checkpoint
        header = (out / "losses.csv").read_text(encoding="utf-8").splitlines()[0]
        for iteration in (3, 4):
            f.write(",".join([str(iteration)] + ["0.5"] * (len(header.split(",")) - 1)) + "\n")
    before = (out / "losses.csv").read_bytes()
    with Sleeper() as pid:
        (out / ".lock").write_text(str(pid))
        assert train(config, out, "--max-iter", "6", "--resume") == 2
        assert f"process {pid}" in one_line_error(capsys)
    assert (out / "losses.csv").read_bytes() == before


# ----------------------------------------------------------------------------- 2. one row per iteration
def test_a_restart_without_checkpoint_starts_the_log_afresh(tmp_path):
    """A run killed before its first checkpoint, started again, logs each iteration once."""
    config, out = config_file(tmp_path), tmp_path / "run"
    out.mkdir()
    (out / "losses.csv").write_text("iteration,lr,dis_total\n1,0.0001,0.5\n2,0.0001,0.5\n3,0.00", encoding="utf-8")
    assert train(config, out, "--max-iter", "2") == 0
    log = read_loss_log(out / "losses.csv")
    assert log["iteration"] == [1.0, 2.0] and "gen_total" in log


def test_a_torn_last_line_never_becomes_a_row(tmp_path):
    """A kill mid-write leaves half a row; the resumed log has whole rows only, one per iteration."""
    config, out = config_file(tmp_path), tmp_path / "run"
    assert train(config, out, "--max-iter", "12") == 0
    with open(out / "losses.csv", "a", encoding="utf-8") as f:
        f.write("1")  # row "13,..." torn after its first character: it reads as iteration 1
    assert train(config, out, "--max-iter", "14", "--resume") == 0
    log = read_loss_log(out / "losses.csv")
    assert log["iteration"] == [float(i) for i in range(1, 15)]
    assert all(not torch.tensor(values).isnan().any() for values in log.values())


# ----------------------------------------------------------------------------- 3. found before iteration 1
def folder_run(tmp_path: Path) -> tuple[Path, MUNITConfig]:
    root = make_shapes_dataset(tmp_path / "data", size=32, n_train=4, n_test=2, seed=0, progress=False)
    return root, tiny_cfg(data_root=str(root))


def test_a_corrupt_image_stops_the_run_before_iteration_one(tmp_path):
    """Every training image is opened before training: a truncated one is named at once."""
    root, cfg = folder_run(tmp_path)
    victim = sorted((root / "trainB").iterdir())[-1]
    victim.write_bytes(victim.read_bytes()[:40])  # truncated
    run = Trainer(cfg, tmp_path / "run", progress=False, tensorboard=False)
    with pytest.raises(ImageLoadError, match=victim.name):
        run.fit(3)
    assert run.iteration == 0 and not (tmp_path / "run" / "losses.csv").exists()


def test_an_unwritable_checkpoint_folder_stops_the_run_before_iteration_one(tmp_path, capsys):
    """checkpoints/ that cannot be written (here: a file in its place) is a one-line error at start."""
    config, out = config_file(tmp_path, checkpoint_every=150), tmp_path / "run"
    out.mkdir()
    (out / "checkpoints").write_text("not a folder")
    assert train(config, out, "--max-iter", "3") == 2
    assert "checkpoints is not writable" in one_line_error(capsys)
    assert not (out / "losses.csv").exists()


def disk_error():
    raise OSError(5, "Input/output error")  # a disk that goes away mid-run


def test_an_error_between_iterations_saves_the_last_whole_one(tmp_path):
    """Iteration 3's batch cannot be read: iterations 1-2 are saved, not lost (no checkpoint was due)."""
    a, b = ShapesDomain("a", "train", 32, 4, 0), ShapesDomain("b", "train", 32, 4, 0)
    run = Trainer(tiny_cfg(), tmp_path / "run", datasets=(ActsAt(a, 3, disk_error), b), progress=False, tensorboard=False)
    with pytest.raises(OSError, match="Input/output"):
        run.fit(5)
    assert run.saved_after_error == run.checkpoint_path
    assert read_training_checkpoint(run.checkpoint_path)["iteration"] == 2


# ----------------------------------------------------------------------------- 4. stale temporaries
def test_temporary_files_of_killed_saves_are_removed(tmp_path):
    """.last.pt.XXXX.tmp left by a kill during a save is deleted when the run starts again."""
    out = tmp_path / "run"
    (out / "checkpoints").mkdir(parents=True)
    stale = [out / "checkpoints" / ".last.pt.k2j4.tmp", out / ".gen_00000002.pt.x9.tmp"]
    for path in stale:
        path.write_bytes(b"\0" * 4096)
    run = Trainer(tiny_cfg(), out, progress=False, tensorboard=False)
    run.fit(1)
    assert not any(path.exists() for path in stale)
    assert not list(out.rglob("*.tmp"))


# ----------------------------------------------------------------------------- 5. one line, never a traceback
@pytest.mark.parametrize("text, words", [
    ("- lr: 0.1\n- gen_dim: 8\n", "not a mapping"),
    ("42\n", "not a mapping"),
    ("lr: [0.1\ngen_dim: 8\n", "not valid YAML at line"),
    ("lr: .inf\n", "lr=inf is not a finite number"),
    ("image_size: 66\nnew_size: 66\n", "image_size=66 is not a multiple of 4"),
])
def test_bad_config_files_are_one_line_errors(tmp_path, capsys, text, words):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    assert train(path, tmp_path / "run") == 2
    assert words in one_line_error(capsys)


@pytest.mark.parametrize("device, words", [("cuda", "no usable CUDA"), ("tpu9", "not a device")])
def test_an_unusable_device_is_a_one_line_error(tmp_path, capsys, device, words):
    if device == "cuda" and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert main(["translate", "--checkpoint", str(tmp_path / "x.pt"), "--input", str(tmp_path), "--out",
                 str(tmp_path / "o"), "--device", device]) == 2
    assert words in one_line_error(capsys)


def test_a_full_disk_inside_the_writer_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    """torch's zip writer on a full disk (/dev/full) raises RuntimeError: reported as one line."""
    from munit_lib.training import checkpoint

    def full_disk(prefix="", suffix="", dir=None):
        return os.open("/dev/full", os.O_WRONLY), str(Path(dir) / f"{prefix}full{suffix}")

    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    monkeypatch.setattr(checkpoint.tempfile, "mkstemp", full_disk)
    assert train(config_file(tmp_path), tmp_path / "run", "--max-iter", "1") == 2
    assert "is it full?" in one_line_error(capsys)


def test_a_checkpoint_whose_config_disagrees_with_its_tensors_is_one_line(tmp_path, capsys):
    """A training checkpoint whose stored config is not the one of its tensors: one line naming keys."""
    config, out = config_file(tmp_path), tmp_path / "run"
    assert train(config, out, "--max-iter", "1") == 0
    state = read_training_checkpoint(out / "checkpoints" / "last.pt")
    state["config"]["gen_dim"] = 16  # the tensors are still gen_dim 8
    torch.save(state, out / "checkpoints" / "last.pt")
    assert train(config_file(tmp_path, gen_dim=16), out, "--max-iter", "2", "--resume") == 2
    err = one_line_error(capsys)
    assert "does not match" in err and "mis-shaped" in err


def test_an_unreadable_checkpoint_never_suggests_weights_only_false(tmp_path, capsys):
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"garbage" * 20)
    assert main(["translate", "--checkpoint", str(garbage), "--input", str(tmp_path), "--out",
                 str(tmp_path / "o")]) == 2
    err = one_line_error(capsys)
    assert "garbage.pt" in err and "weights_only" not in err


# ----------------------------------------------------------------------------- 6. translate --config, Ctrl-C
def test_translate_refuses_a_config_that_is_not_the_training_checkpoints(tmp_path, capsys):
    config, out = config_file(tmp_path), tmp_path / "run"
    assert train(config, out, "--max-iter", "1") == 0
    other = tmp_path / "other.yaml"
    tiny_cfg(gen_dim=16).to_yaml(other)
    image = tmp_path / "x.png"
    from PIL import Image
    Image.fromarray(ShapesDomain("a", "test", 32, 1, 0).image(0)).save(image)
    assert main(["translate", "--checkpoint", str(out / "checkpoints" / "last.pt"), "--config", str(other),
                 "--input", str(image), "--out", str(tmp_path / "o")]) == 2
    assert "gen_dim: 8 vs 16" in one_line_error(capsys)


def test_ctrl_c_exits_130_and_says_where_the_run_was_saved(tmp_path, capsys, monkeypatch):
    def interrupted_datasets(cfg, split="train"):
        return (interrupt_at(ShapesDomain("a", split, 32, 4, 0), 2), ShapesDomain("b", split, 32, 4, 0))

    monkeypatch.setattr(trainer_module, "build_datasets", interrupted_datasets)
    out = tmp_path / "run"
    assert train(config_file(tmp_path), out, "--max-iter", "10") == 130
    err = capsys.readouterr().err
    assert "interrupted at iteration 2" in err and str(out / "checkpoints" / "last.pt") in err
    assert read_training_checkpoint(out / "checkpoints" / "last.pt")["iteration"] == 2
