"""What broke when the library was attacked as a hostile user would (issue 9, reliability): each
test reproduces one failure first. The run lock comes before any change to a run folder; one log
row per logged iteration; failures found before iteration 1, and what is safe saved after; no
stale temporary files; one-line errors from the command line; Ctrl-C exits 130 and says so.

Then the leftovers of a second hostile probe (issue 27, section 4): code-bearing pickles named as
such and never run; a directory called a directory; ``export`` never over a file unless asked, and
never over a training checkpoint; what ``--resume`` may change, and nothing written when it fails;
the run lock per run and atomic; zero intervals, ``--max-iter -5``, ``--styles 0`` and bad weight
files as one-line errors."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from munit_lib import MUNITConfig
from munit_lib.cli import main
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


# ============================================================================= issue 27: the reliability leftovers
MARKER_NAME = "pickle-ran"


class RunsCode:
    """Unpickled, it would create a marker file (as ``os.system`` or any GLOBAL could do worse)."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class PlainObject:
    """A custom class: unpickling it imports this module's code."""

    def __init__(self) -> None:
        self.weights = torch.zeros(2)


def code_bearing_files(tmp_path: Path) -> dict[str, Path]:
    """Files whose pickle names code: torch.save of an os.system reducer (zip and legacy formats),
    of a custom class's object, and raw pickles (protocols 2 and 4) of the reducer."""
    import pickle

    marker = tmp_path / MARKER_NAME
    files = {name: tmp_path / f"{name}.pt" for name in ("system_zip", "system_legacy", "custom_class",
                                                         "raw_pickle2", "raw_pickle4")}
    torch.save({"a": RunsCode(marker)}, files["system_zip"])
    torch.save({"a": RunsCode(marker)}, files["system_legacy"], _use_new_zipfile_serialization=False)
    torch.save({"a": PlainObject()}, files["custom_class"])
    for protocol in (2, 4):
        with open(files[f"raw_pickle{protocol}"], "wb") as f:
            pickle.dump({"a": RunsCode(marker)}, f, protocol=protocol)
    return files


def trained_run(tmp_path: Path, **changes) -> tuple[Path, Path]:
    """A 2-iteration run trained by the command line: (its config file, its folder)."""
    config, out = config_file(tmp_path, **changes), tmp_path / "run"
    assert train(config, out, "--max-iter", "2") == 0
    return config, out


# ----------------------------------------------------------------------------- the safe reader
@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_a_code_bearing_file_is_named_as_such_never_run_and_never_called_corrupt(tmp_path):
    """torch 2.14 words a refused pickle "unsupported GLOBAL posix.system ...": the reader says the file
    holds code (naming it), not that it is corrupt; and nothing in it runs."""
    from munit_lib.official import read_checkpoint

    for name, path in code_bearing_files(tmp_path).items():
        with pytest.raises(ValueError) as caught:
            read_checkpoint(path)
        message = str(caught.value)
        assert "pickled Python code" in message and "corrupt" not in message, (name, message)
        assert ("PlainObject" if name == "custom_class" else "system") in message, (name, message)
        assert "weights_only=False" not in message
    assert not (tmp_path / MARKER_NAME).exists()
    whole = tmp_path / "whole.pt"  # while a file cut short is still called so
    torch.save({"a": torch.zeros(64)}, whole)
    cut = tmp_path / "cut.pt"
    cut.write_bytes(whole.read_bytes()[:200])
    with pytest.raises(ValueError, match="truncated"):
        read_checkpoint(cut)


def test_a_directory_given_as_a_file_is_called_a_directory(tmp_path, capsys):
    from munit_lib.official import read_checkpoint

    folder = tmp_path / "folder.pt"
    folder.mkdir()
    with pytest.raises(OSError, match="is a directory"):
        read_checkpoint(folder)
    commands = [["translate", "--checkpoint", str(folder), "--input", str(tmp_path), "--out", str(tmp_path / "o")],
                ["train", "--config", str(folder), "--out", str(tmp_path / "run"), "--quiet"],
                ["evaluate", "--real", "--classifier", str(folder)],
                ["export", "--checkpoint", str(folder), "--out", str(tmp_path / "gen.pt")]]
    for argv in commands:
        assert main(argv) == 2, argv
        err = one_line_error(capsys)
        assert "is a directory" in err and "does not exist" not in err, (argv, err)


# ----------------------------------------------------------------------------- export --out
def test_export_overwrites_only_when_asked_and_never_a_training_checkpoint(tmp_path, capsys):
    _, out = trained_run(tmp_path)
    last = out / "checkpoints" / "last.pt"
    export = ["export", "--checkpoint", str(last), "--out"]
    gen = tmp_path / "gen.pt"
    assert main(export + [str(gen)]) == 0
    capsys.readouterr()
    gen.write_bytes(b"the user's own file")
    assert main(export + [str(gen)]) == 2
    assert "--overwrite" in one_line_error(capsys)
    assert gen.read_bytes() == b"the user's own file"
    assert main(export + [str(gen), "--overwrite"]) == 0
    from munit_lib.official import read_checkpoint
    assert {"a", "b"} <= set(read_checkpoint(gen))  # replaced by the export
    capsys.readouterr()
    before = last.read_bytes()
    for extra in ([], ["--overwrite"]):  # the run's own checkpoint: never, even when asked
        assert main(export + [str(last), *extra]) == 2
        assert "training checkpoint" in one_line_error(capsys)
    assert last.read_bytes() == before
    assert "opt_gen" in read_training_checkpoint(last)


# ----------------------------------------------------------------------------- --resume with a changed config
@pytest.mark.parametrize("change", ["lr=2e-4", "seed=3", "batch_size=2", "data_root=shapes:8", "recon_x_cyc_w=1"])
def test_resume_refuses_what_a_run_keeps_from_its_start_and_writes_nothing(tmp_path, capsys, change):
    """lr (the saved optimiser's), seed, data, batch size, a loss weight (the log's columns), the
    networks: refused in one line naming the key; config.yaml, losses.csv and the checkpoint untouched."""
    config, out = trained_run(tmp_path)
    capsys.readouterr()
    files = [out / "config.yaml", out / "losses.csv", out / "checkpoints" / "last.pt"]
    before = [path.read_bytes() for path in files]
    assert train(config, out, "--max-iter", "3", "--resume", "--set", change) == 2
    assert change.split("=")[0] in one_line_error(capsys)
    assert [path.read_bytes() for path in files] == before
    assert not (out / "gen_00000003.pt").exists()


def test_resume_applies_what_it_may_change(tmp_path, capsys):
    """Intervals, length and the EMA's decay may change on resume: applied for real, and recorded."""
    config, out = trained_run(tmp_path, ema_decay=0.9)
    assert train(config, out, "--max-iter", "6", "--resume", "--set", "log_every=2", "ema_decay=0.5") == 0
    assert read_loss_log(out / "losses.csv")["iteration"] == [1.0, 2.0, 4.0, 6.0]
    assert MUNITConfig.from_yaml(out / "config.yaml").ema_decay == 0.5
    assert read_training_checkpoint(out / "checkpoints" / "last.pt")["ema"]["decay"] == 0.5


def test_a_resume_that_fails_before_its_first_iteration_leaves_config_yaml_alone(tmp_path):
    config, out = trained_run(tmp_path)
    before = (out / "config.yaml").read_bytes(), (out / "losses.csv").read_bytes()
    a, b = ShapesDomain("a", "train", 32, 4, 0), ShapesDomain("b", "train", 32, 4, 0)
    run = Trainer(tiny_cfg(sample_every=500), out, datasets=(ActsAt(a, 1, disk_error), b), progress=False,
                  tensorboard=False)
    with pytest.raises(OSError, match="Input/output"):
        run.fit(4, resume=True)
    assert ((out / "config.yaml").read_bytes(), (out / "losses.csv").read_bytes()) == before


def test_a_loss_the_log_lacks_gets_its_column_instead_of_being_dropped(tmp_path):
    """A log whose header lacks a loss this run computes (an older log) gains the column."""
    config, out = trained_run(tmp_path)
    log = out / "losses.csv"
    lines = log.read_text(encoding="utf-8").splitlines()
    dropped = lines[0].split(",").index("gen_total")
    log.write_text("\n".join(",".join(v for i, v in enumerate(line.split(",")) if i != dropped)
                             for line in lines) + "\n", encoding="utf-8")
    assert train(config, out, "--max-iter", "3", "--resume") == 0
    values = read_loss_log(log)["gen_total"]
    assert len(values) == 3 and all(v != v for v in values[:2]) and values[2] == values[2]


# ----------------------------------------------------------------------------- the run lock
def test_a_second_fit_in_the_same_process_on_the_same_folder_is_refused(tmp_path):
    """The lock is per run: a second Trainer of this process cannot take the folder its first one trains."""
    out = tmp_path / "run"
    second = Trainer(tiny_cfg(), out, progress=False, tensorboard=False)
    refused = []

    def second_fit():
        try:
            second.fit(1)
        except RuntimeError as error:
            refused.append(str(error))

    a, b = ShapesDomain("a", "train", 32, 4, 0), ShapesDomain("b", "train", 32, 4, 0)
    first = Trainer(tiny_cfg(), out, datasets=(ActsAt(a, 1, second_fit), b), progress=False, tensorboard=False)
    first.fit(2)
    assert refused and "this process" in refused[0]
    assert second.iteration == 0 and first.iteration == 2
    assert read_loss_log(out / "losses.csv")["iteration"] == [1.0, 2.0]
    assert not (out / ".lock").exists()
    second.fit(3, resume=True)  # the first has ended: the folder is free again
    assert second.iteration == 3


def test_an_empty_lock_file_is_held_until_it_is_old(tmp_path):
    """An empty .lock may be a lock being written: not stale, unless it is old."""
    out = tmp_path / "run"
    out.mkdir()
    (out / ".lock").write_text("")
    run = Trainer(tiny_cfg(), out, progress=False, tensorboard=False)
    with pytest.raises(RuntimeError, match="without a readable pid"):
        run.fit(1)
    assert run.iteration == 0 and not (out / "losses.csv").exists()
    an_hour_ago = os.path.getmtime(out / ".lock") - 3600
    os.utime(out / ".lock", (an_hour_ago, an_hour_ago))
    run.fit(1)
    assert run.iteration == 1 and not (out / ".lock").exists()


def test_the_lock_file_never_exists_without_its_pid(tmp_path, monkeypatch):
    """The lock appears with its pid already in it (written to a temporary file, then linked)."""
    out = tmp_path / "run"
    lock = out / ".lock"
    seen = []

    def watching(function):
        def call(*args, **kwargs):
            result = function(*args, **kwargs)
            if lock.exists():
                seen.append(lock.read_text())
            return result
        return call

    for name in ("open", "link", "rename", "replace"):
        monkeypatch.setattr(os, name, watching(getattr(os, name)))
    Trainer(tiny_cfg(), out, progress=False, tensorboard=False).fit(1)
    monkeypatch.undo()
    assert seen and all(text.split()[:1] == [str(os.getpid())] for text in seen), seen  # never seen empty


# ----------------------------------------------------------------------------- one line, never a traceback
@pytest.mark.parametrize("change, words", [
    ({"log_every": 0}, "log_every must be at least 1"),
    ({"checkpoint_every": 0}, "checkpoint_every must be at least 1"),
    ({"sample_every": 0}, "sample_every must be at least 1"),
    ({"display_size": -1}, "display_size must be at least 1"),
])
def test_zero_intervals_and_a_negative_display_size_are_refused_before_any_file(tmp_path, capsys, change, words):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({**tiny_cfg().to_dict(), **change}), encoding="utf-8")  # as a user would write it
    assert train(path, tmp_path / "run", "--max-iter", "2") == 2
    assert words in one_line_error(capsys)
    assert not (tmp_path / "run").exists()


def test_train_max_iter_below_one_is_an_error_that_writes_nothing(tmp_path, capsys):
    assert train(config_file(tmp_path), tmp_path / "run", "--max-iter", "-5") == 2
    assert "--max-iter -5" in one_line_error(capsys)
    assert not (tmp_path / "run").exists()
    with pytest.raises(ValueError, match="max_iter=-5"):
        Trainer(tiny_cfg(), tmp_path / "lib", progress=False, tensorboard=False).fit(-5)
    assert not (tmp_path / "lib").exists()


def test_score_shapes_with_no_styles_is_one_line(tmp_path, capsys):
    _, out = trained_run(tmp_path)
    capsys.readouterr()
    assert main(["score-shapes", "--checkpoint", str(out / "gen_00000002.pt"), "--styles", "0", "--n", "2",
                 "--quiet"]) == 2
    assert "--styles 0" in one_line_error(capsys)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_a_bad_code_bearing_or_truncated_classifier_is_one_line(tmp_path, capsys):
    from munit_lib.evaluation.classifier import ShapesClassifier, save_shapes_classifier

    good = save_shapes_classifier(ShapesClassifier(), tmp_path / "good.pt")
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a classifier" * 10)
    files = {**code_bearing_files(tmp_path), "truncated": truncated, "garbage": garbage}
    for name, path in files.items():
        assert main(["evaluate", "--real", "--classifier", str(path)]) == 2, name
        err = one_line_error(capsys)
        assert path.name in err and "weights_only" not in err, (name, err)
        assert "pickled Python code" in err if name in code_bearing_files(tmp_path) else "truncated" in err or "corrupt" in err
    assert not (tmp_path / MARKER_NAME).exists()


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_a_code_bearing_vgg_model_path_is_one_line_and_never_runs(tmp_path, capsys):
    evil = code_bearing_files(tmp_path)["system_zip"]
    config = config_file(tmp_path, vgg_w=1.0, vgg_model_path=str(evil))
    assert train(config, tmp_path / "run", "--max-iter", "1") == 2
    err = one_line_error(capsys)
    assert "pickled Python code" in err and "weights_only" not in err
    assert not (tmp_path / MARKER_NAME).exists()


def test_weights_of_another_shape_for_vgg_and_a_file_for_out_are_one_line(tmp_path, capsys):
    """VGG16 weights of the right names but other shapes; train --out naming a file, not a folder."""
    from munit_lib.losses import PerceptualLoss

    wrong = {f"features.{k}": torch.zeros(1) for k in PerceptualLoss(tiny_cfg().vgg_layer).features.state_dict()}
    torch.save(wrong, tmp_path / "vgg16.pth")
    assert train(config_file(tmp_path, vgg_w=1.0, vgg_model_path=str(tmp_path / "vgg16.pth")), tmp_path / "run",
                 "--max-iter", "1") == 2
    assert "not VGG16's weights" in one_line_error(capsys)
    (tmp_path / "a_file").write_text("")
    assert train(config_file(tmp_path), tmp_path / "a_file", "--max-iter", "1") == 2
    assert "is a file, not a run folder" in one_line_error(capsys)


def test_one_data_folder_written_two_ways_is_no_change_on_resume(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    relative, absolute = MUNITConfig(data_root="data/x"), MUNITConfig(data_root=str(tmp_path / "data" / "x"))
    assert relative.resume_differences(absolute) == []
    assert MUNITConfig(data_root="shapes").resume_differences(MUNITConfig(data_root="shapes:2000")) == []
    assert relative.resume_differences(MUNITConfig(data_root="data/y")) == ["data_root: 'data/x' vs 'data/y'"]
