"""The trainer: exact resume, atomic and safe checkpoints, non-finite losses, logs and samples,
graceful stop, EMA, exports, and DistributedDataParallel on CPU (gloo, 2 processes)."""
from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import pytest
import torch
from PIL import Image

from munit_lib import MUNITConfig, load_official_generators
from munit_lib.data import ShapesDomain
from munit_lib.training import (CheckpointError, IterationBatchSampler, NonFiniteLossError, Trainer, atomic_save,
                                build_datasets, is_shapes_root, read_loss_log, read_training_checkpoint,
                                shapes_count)
from munit_test_helpers import interrupt_at


def tiny_cfg(**changes) -> MUNITConfig:
    base = dict(data_root="shapes:8", log_every=1, sample_every=1000, checkpoint_every=1000, display_size=2,
                ema_decay=0.9)
    return MUNITConfig.profile_named("ci", **{**base, **changes})


def shapes(n: int = 8, size: int = 32):
    return ShapesDomain("a", "train", size, n, 0), ShapesDomain("b", "train", size, n, 0)


def trainer(tmp_path: Path, name: str = "run", datasets=None, **changes) -> Trainer:
    return Trainer(tiny_cfg(**changes), tmp_path / name, datasets=datasets or shapes(), progress=False,
                   tensorboard=False)


def assert_same_state(one: dict, two: dict, path: str = "") -> None:
    """Two (nested) state dicts hold bitwise-equal tensors and equal values."""
    assert type(one) is type(two) or (isinstance(one, dict) and isinstance(two, dict)), path
    if isinstance(one, dict):
        assert set(one) == set(two), path
        for key in one:
            assert_same_state(one[key], two[key], f"{path}/{key}")
    elif isinstance(one, (list, tuple)):
        assert len(one) == len(two), path
        for i, (a, b) in enumerate(zip(one, two)):
            assert_same_state(a, b, f"{path}[{i}]")
    elif isinstance(one, torch.Tensor):
        assert torch.equal(one, two), f"tensors differ at {path}"
    else:
        assert one == two, path


# ----------------------------------------------------------------------------- batches
def test_batches_are_a_function_of_the_iteration_and_walk_permutations():
    sampler = IterationBatchSampler(n=5, batch_size=2, seed=3, domain=0)
    stream = [sampler.batch(t) for t in range(5)]  # 10 positions = two epochs of 5
    indices = [i for batch in stream for i, _ in batch]
    assert sorted(indices[:5]) == list(range(5)) and sorted(indices[5:]) == list(range(5))
    later = IterationBatchSampler(n=5, batch_size=2, seed=3, domain=0, start=3)
    assert next(iter(later)) == stream[3]  # a resumed stream starts where the straight one was
    other = IterationBatchSampler(n=5, batch_size=2, seed=3, domain=1)
    assert [other.batch(t) for t in range(5)] != stream  # the domains are shuffled independently


# ----------------------------------------------------------------------------- resume
def test_two_n_straight_equals_n_then_resume_then_n(tmp_path):
    """On CPU with a fixed seed: 4 iterations straight == 2, a fresh process-like resume, then 2."""
    straight = trainer(tmp_path, "straight")
    straight.fit(4)
    first = trainer(tmp_path, "split")
    first.fit(2)
    assert read_training_checkpoint(first.checkpoint_path)["iteration"] == 2
    torch.manual_seed(12345)  # the global RNG is disturbed between the two halves, as a new process would be
    second = trainer(tmp_path, "split")
    assert second.resume() == 2
    second.fit(4)
    assert second.iteration == straight.iteration == 4
    one, two = straight.state_dict(), second.state_dict()
    for key in ("model", "ema", "opt_gen", "opt_dis", "sched_gen", "sched_dis"):
        assert_same_state(one[key], two[key], key)
    assert_same_state(one["rng"]["style"], two["rng"]["style"])
    # the log of the resumed run equals the straight run's
    assert read_loss_log(straight.log_path) == read_loss_log(second.log_path)


def test_fit_resume_true_continues_and_log_rows_after_the_checkpoint_are_dropped(tmp_path):
    run = trainer(tmp_path, checkpoint_every=2)
    run.fit(3)  # checkpoint at 2, then the final save at 3
    atomic_save({**run.state_dict(), "iteration": 2}, run.checkpoint_path)  # pretend the process died after 2
    again = trainer(tmp_path)
    again.fit(4, resume=True)
    log = read_loss_log(again.log_path)
    assert log["iteration"] == [1.0, 2.0, 3.0, 4.0]


def test_resume_refuses_a_checkpoint_of_another_architecture(tmp_path):
    run = trainer(tmp_path)
    run.fit(1)
    other = trainer(tmp_path, gen_dim=4)
    with pytest.raises(ValueError, match="gen_dim"):
        other.resume()


def test_resume_says_when_the_texture_anchor_changes(tmp_path, recwarn):
    trainer(tmp_path).fit(1)
    with pytest.warns(UserWarning, match="pinned to the canvas; this config pins them to the shape"):
        trainer(tmp_path, texture_anchor="shape").resume()
    trainer(tmp_path, name="other").fit(1)
    trainer(tmp_path, name="other").resume()  # the same anchor: no warning
    assert not [w for w in recwarn if "pinned" in str(w.message)]


# ----------------------------------------------------------------------------- checkpoints
def test_checkpoint_holds_everything_and_loads_with_weights_only(tmp_path):
    run = trainer(tmp_path)
    run.fit(1)
    data = torch.load(run.checkpoint_path, weights_only=True)
    assert {"model", "ema", "opt_gen", "opt_dis", "sched_gen", "sched_dis", "rng", "iteration", "config"} <= set(data)
    assert data["iteration"] == 1 and MUNITConfig.from_dict(data["config"]) == run.cfg
    assert data["opt_gen"]["state"], "the optimiser's moments are saved"


def test_an_interrupted_save_leaves_the_last_good_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "last.pt"
    atomic_save({"value": torch.ones(3)}, path)

    def broken_save(obj, f, *args, **kwargs):
        f.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        atomic_save({"value": torch.zeros(3)}, path)
    monkeypatch.undo()
    assert torch.equal(torch.load(path, weights_only=True)["value"], torch.ones(3))
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"], "no temporary file is left behind"


def test_bad_checkpoints_are_named(tmp_path):
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="garbage.pt"):
        read_training_checkpoint(garbage)
    generators = tmp_path / "gen.pt"
    torch.save({"a": {}, "b": {}}, generators)
    with pytest.raises(CheckpointError, match="load_official_generators"):
        read_training_checkpoint(generators)
    with pytest.raises(FileNotFoundError, match="missing.pt"):
        read_training_checkpoint(tmp_path / "missing.pt")


def test_a_checkpoint_with_pickled_code_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"format": "munit_lib.checkpoint/1", "payload": Path("x")}, path)  # an arbitrary object
    with pytest.raises(CheckpointError, match="evil.pt"):
        read_training_checkpoint(path)


# ----------------------------------------------------------------------------- failure
class NaNAfter(torch.utils.data.Dataset):
    """Serves a domain's images, but NaN images from the ``after``-th item read on."""

    def __init__(self, dataset, after: int) -> None:
        self.dataset, self.after, self.reads = dataset, after, 0

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        self.reads += 1
        x = self.dataset[i]
        return torch.full_like(x, float("nan")) if self.reads > self.after else x


def test_a_non_finite_loss_stops_with_the_loss_and_iteration_and_keeps_the_last_good_checkpoint(tmp_path):
    a, b = shapes()
    # batch size 1: item reads 1-2 are iterations 1-2 (checkpointed at 2), read 3 is iteration 3
    run = trainer(tmp_path, datasets=(NaNAfter(a, 2), b), checkpoint_every=2)
    with pytest.raises(NonFiniteLossError, match=r"the dis_a loss is nan at iteration 3.*last good checkpoint") as info:
        run.fit(5)
    assert info.value.iteration == 3 and info.value.name.startswith("dis")
    saved = read_training_checkpoint(run.checkpoint_path)
    assert saved["iteration"] == 2
    assert all(torch.isfinite(v).all() for v in saved["model"].values() if v.is_floating_point())


def test_ctrl_c_finishes_the_iteration_saves_and_returns(tmp_path):
    a, b = shapes()
    run = trainer(tmp_path, datasets=(interrupt_at(a, 3), b))
    before = signal.getsignal(signal.SIGINT)  # Python's default, or SIG_IGN when started in the background
    run.fit(10)
    assert run.iteration == 3
    assert read_training_checkpoint(run.checkpoint_path)["iteration"] == 3
    assert signal.getsignal(signal.SIGINT) is before  # the handler is restored


# ----------------------------------------------------------------------------- outputs
def test_log_samples_and_exported_generators(tmp_path):
    run = trainer(tmp_path, sample_every=2)
    run.fit(2)
    log = read_loss_log(run.log_path)
    assert log["iteration"] == [1.0, 2.0] and {"dis_total", "gen_total", "gen_recon_x_a", "lr"} <= set(log)
    for name in ("a2b", "b2a"):
        with Image.open(run.out_dir / "samples" / f"{name}_00000002.png") as img:
            # 2 rows (display_size) of input + 2 styles, 32 px each with torchvision's 2 px padding
            assert img.size == (3 * 32 + 4 * 2, 2 * 32 + 3 * 2)
    gen_a, gen_b = load_official_generators(run.generators_path())
    assert gen_a.cfg == run.cfg
    x = ShapesDomain("a", "test", 32, 2, 0)[0][None]
    style = torch.randn(1, run.cfg.style_dim)
    with torch.no_grad():
        expected = run.ema.gen_b.decode(run.ema.gen_a.encode(x)[0], style)
        torch.testing.assert_close(gen_b.decode(gen_a.encode(x)[0], style), expected)
    assert (run.out_dir / "config.yaml").is_file()
    assert MUNITConfig.from_yaml(run.out_dir / "config.yaml") == run.cfg


def test_ema_is_the_moving_average_of_the_generators(tmp_path):
    run = trainer(tmp_path, ema_decay=0.5)
    before = {k: v.clone() for k, v in run.ema.gen_a.state_dict().items()}
    run.fit(1)
    name = "enc_style.model.0.conv.weight"
    current = run.model.gen_a.state_dict()[name]
    torch.testing.assert_close(run.ema.gen_a.state_dict()[name], 0.5 * before[name] + 0.5 * current)


def test_channels_last_and_bf16_train_and_stay_finite(tmp_path):
    cfg = tiny_cfg(channels_last=True, precision="bf16", ema_decay=0.0)
    with pytest.warns(UserWarning, match="bf16"):
        run = Trainer(cfg, tmp_path / "bf16", datasets=shapes(), progress=False, tensorboard=False)
    losses = run.fit(2)
    assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())


def test_build_datasets_names_what_is_wrong(tmp_path):
    with pytest.raises(ValueError, match="data_root"):
        build_datasets(MUNITConfig.profile_named("ci"))
    with pytest.raises(ValueError, match="shapes:N"):
        build_datasets(MUNITConfig.profile_named("ci", data_root="shapes:many"))
    with pytest.raises(FileNotFoundError, match="trainA"):
        build_datasets(MUNITConfig.profile_named("ci", data_root=str(tmp_path)))
    a, b = build_datasets(MUNITConfig.profile_named("ci", data_root="shapes:3"))
    assert len(a) == len(b) == 3 and a[0].shape == (3, 32, 32)
    assert shapes_count("shapes:3") == 3 and shapes_count("shapes") == 2000  # what build_datasets reads
    assert is_shapes_root("shapes") and is_shapes_root(" shapes:3") and not is_shapes_root(str(tmp_path / "shapes"))


# ----------------------------------------------------------------------------- distributed
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp_worker(rank: int, world_size: int, port: int, out_dir: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), LOCAL_RANK=str(rank),
                      WORLD_SIZE=str(world_size))
    torch.set_num_threads(1)
    from munit_lib.training import cleanup_distributed

    try:
        run = Trainer(tiny_cfg(ema_decay=0.0), Path(out_dir) / "run", datasets=shapes(), progress=False,
                      tensorboard=False, device="cpu")
        initial = {k: v.clone() for k, v in run.model.state_dict().items()}
        run.fit(2)
        torch.save({"initial": initial, "final": run.model.state_dict()}, Path(out_dir) / f"rank{rank}.pt")
    finally:
        cleanup_distributed()


def test_ddp_with_gloo_keeps_two_processes_in_step(tmp_path):
    """Each process sees different batches; DDP averages gradients, so the replicas stay equal."""
    torch.multiprocessing.spawn(_ddp_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2)]
    assert_same_state(ranks[0]["initial"], ranks[1]["initial"])  # same seed, same start
    assert_same_state(ranks[0]["final"], ranks[1]["final"])  # still equal after 2 updates
    changed = [k for k in ranks[0]["final"] if not torch.equal(ranks[0]["final"][k], ranks[0]["initial"][k])]
    assert any(k.startswith("gen_a.") for k in changed) and any(k.startswith("dis_b.") for k in changed)
    assert (tmp_path / "run" / "checkpoints" / "last.pt").is_file()  # written by rank 0 only
    # a single process on rank 0's data alone ends elsewhere: the average really mixed both ranks
    alone = Trainer(tiny_cfg(ema_decay=0.0), tmp_path / "alone", datasets=shapes(), progress=False,
                    tensorboard=False)
    alone.fit(2)
    assert not torch.equal(alone.model.state_dict()["gen_a.enc_style.model.0.conv.weight"],
                           ranks[0]["final"]["gen_a.enc_style.model.0.conv.weight"])


def test_a_folder_being_trained_by_another_process_is_refused_and_a_stale_lock_is_taken_over(tmp_path):
    import subprocess
    import sys

    run = trainer(tmp_path)
    run.out_dir.mkdir(parents=True)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (run.out_dir / ".lock").write_text(str(sleeper.pid))
        with pytest.raises(RuntimeError, match=f"process {sleeper.pid}"):
            run.fit(1)
    finally:
        sleeper.kill()
        sleeper.wait()
    run.fit(1)  # the process is gone: its lock is stale
    assert run.iteration == 1 and not (run.out_dir / ".lock").exists()


def test_the_logged_learning_rate_is_the_one_each_iteration_trained_with(tmp_path):
    run = trainer(tmp_path, step_size=2, gamma=0.5, lr=1e-4)
    run.fit(3)
    assert read_loss_log(run.log_path)["lr"] == pytest.approx([1e-4, 1e-4, 5e-5])


def test_resuming_with_another_number_of_processes_warns(tmp_path):
    run = trainer(tmp_path)
    run.fit(1)
    atomic_save({**run.state_dict(), "world_size": 2}, run.checkpoint_path)
    with pytest.warns(UserWarning, match="2 process"):
        trainer(tmp_path).resume()


def test_tensorboard_is_used_when_installed_and_never_required(tmp_path, monkeypatch):
    import sys
    import types

    calls = []

    class FakeWriter:
        def __init__(self, logdir, purge_step=None):
            calls.append(("open", Path(logdir).name, purge_step))

        def add_scalar(self, tag, value, step):
            calls.append(("scalar", tag, step))

        def add_images(self, tag, images, step):
            calls.append(("images", tag, step))

        def close(self):
            calls.append(("close",))

    fake = types.ModuleType("torch.utils.tensorboard")
    fake.SummaryWriter = FakeWriter
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", fake)
    run = Trainer(tiny_cfg(sample_every=2), tmp_path / "tb", datasets=shapes(), progress=False)
    run.fit(2)
    assert calls[0] == ("open", "tensorboard", 1) and calls[-1] == ("close",)
    assert ("scalar", "loss/gen_total", 2) in calls and ("images", "samples/a2b", 2) in calls
    # without the package: no error, CSV only
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # makes the import fail
    quiet = Trainer(tiny_cfg(), tmp_path / "none", datasets=shapes(), progress=False)
    quiet.fit(1)
    assert quiet.log_path.exists() and not (tmp_path / "none" / "tensorboard").exists()


def test_fit_stops_at_its_wall_clock_budget_and_can_go_on(tmp_path):
    trainer = Trainer(tiny_cfg(), tmp_path / "run", progress=False, tensorboard=False)
    trainer.fit(max_iter=10 ** 6, max_seconds=0.0)  # no time at all: no iteration, but the state is saved
    assert trainer.iteration == 0 and trainer.checkpoint_path.exists()
    trainer.fit(max_iter=10 ** 6, max_seconds=1.0)
    first = trainer.iteration
    assert 0 < first < 10 ** 6
    trainer.fit(max_iter=first + 2)  # no budget: up to max_iter, continuing where it stopped
    assert trainer.iteration == first + 2
