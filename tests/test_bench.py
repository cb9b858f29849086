"""The speed benchmark's reference (``benchmarks/against_original.py``): the original
implementation's procedure, reimplemented from its description, must be the same algorithm as
``train_step`` (identical weights after an iteration) while doing more work (more FLOPs), and the
comparison must report both sides. Also ``munit_lib.bench``'s timer."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from munit_lib import MUNIT
from munit_lib.bench import timer_seconds
from munit_lib.training import make_optimizers, train_step
from munit_test_helpers import load_repo_file


against_original = load_repo_file("benchmarks/against_original.py")
original_procedure_step = against_original.original_procedure_step
run_original_comparison = against_original.run_original_comparison


def test_original_procedure_leaves_the_same_weights_as_train_step(ci_cfg, ci_images):
    """Same styles, same losses, same updates: two iterations each, identical parameters (to rounding).

    Both run layer-by-layer decoders here. With our fused upsampling the sums are rounded in another
    order, and the biases of convolutions followed by instance norm (whose true gradient is zero, so
    Adam turns its rounding noise into a full-size step) would differ by ~lr; test_upsample_conv.py
    checks that the fused decoder's values and gradients match."""
    torch.manual_seed(0)
    ours = MUNIT(ci_cfg)
    ours.gen_a.dec.fused_upsampling = ours.gen_b.dec.fused_upsampling = False
    theirs = copy.deepcopy(ours)
    opts_ours, opts_theirs = make_optimizers(ours), make_optimizers(theirs)
    rng_ours, rng_theirs = torch.Generator().manual_seed(4), torch.Generator().manual_seed(4)
    for _ in range(2):
        train_step(ours, *opts_ours, *ci_images, rng=rng_ours)
        original_procedure_step(theirs, *opts_theirs, *ci_images, rng=rng_theirs)
    mine, other = ours.state_dict(), theirs.state_dict()
    assert mine.keys() == other.keys()
    for key in mine:
        torch.testing.assert_close(mine[key], other[key], rtol=1e-4, atol=1e-6, msg=key)


def test_original_procedure_also_gives_the_discriminators_a_generator_step_gradient(ci_cfg, ci_images):
    """The work train_step saves: in the original's G step the gradient also reaches the discriminators'
    weights and is added to their D-step gradient, so after one iteration their .grad differs."""
    torch.manual_seed(0)
    ours = MUNIT(ci_cfg)
    theirs = copy.deepcopy(ours)
    train_step(ours, *make_optimizers(ours), *ci_images, rng=torch.Generator().manual_seed(1))
    original_procedure_step(theirs, *make_optimizers(theirs), *ci_images, rng=torch.Generator().manual_seed(1))
    grads_ours = [p.grad for p in ours.dis_a.parameters()]
    grads_theirs = [p.grad for p in theirs.dis_a.parameters()]
    assert any(not torch.allclose(a, b) for a, b in zip(grads_ours, grads_theirs))


def test_original_procedure_counts_more_flops_than_train_step(ci_cfg, ci_images):
    """Style encoders in the D step and D weight gradients in the G step cost the original FLOPs."""
    torch.manual_seed(0)
    model = MUNIT(ci_cfg)
    opts = make_optimizers(model)
    counts = []
    for step in (train_step, original_procedure_step):
        with FlopCounterMode(display=False) as counter:
            step(model, *opts, *ci_images, rng=torch.Generator().manual_seed(0))
        counts.append(counter.get_total_flops())
    assert counts[0] < counts[1]


def test_comparison_reports_both_procedures(ci_cfg):
    result = run_original_comparison(ci_cfg, rounds=2, device="cpu", threads=1)
    assert result["benchmark"] == "against_original_procedure"
    assert result["image_size"] == ci_cfg.image_size and result["rounds"] == 2
    for side in ("ours", "original"):
        assert 0 < result[f"{side}_seconds_fastest"] <= result[f"{side}_seconds_median"]
    assert 0 < result["ours_tflop_per_iteration"] < result["original_tflop_per_iteration"]
    assert result["ratio"] == pytest.approx(result["ours_seconds_median"] / result["original_seconds_median"],
                                            abs=2e-3)
    assert torch.get_num_threads() == 1


def test_comparison_refuses_the_perceptual_configuration(ci_cfg):
    with pytest.raises(ValueError, match="vgg_w"):
        run_original_comparison(ci_cfg.replace(vgg_w=1.0), rounds=1, device="cpu", threads=1)


def test_the_script_prints_both_sides_as_one_json_line(capsys):
    before = torch.get_num_threads()
    try:
        assert against_original.main(["--profile", "ci", "--rounds", "1", "--device", "cpu", "--threads", "1"]) == 0
    finally:
        torch.set_num_threads(before)
    result = json.loads(capsys.readouterr().out.strip())
    assert result["benchmark"] == "against_original_procedure" and result["config"] == "ci"
    assert result["ours_seconds_median"] > 0 and result["original_seconds_median"] > 0


def test_timer_seconds_times_with_torch_benchmark_timer_at_the_current_thread_count():
    """Side-effect-free timings go through torch.utils.benchmark.Timer, which by default would
    run at one thread: the calls must see the caller's thread count, and the result is a time."""
    seen = []
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        seconds = timer_seconds(lambda: seen.append(torch.get_num_threads()), calls=2)
    finally:
        torch.set_num_threads(before)
    assert len(seen) > 2 and set(seen) == {2}  # Timer's warm-up and blocks, all at 2 threads
    assert seconds > 0


def test_timing_prints_no_cuda_warning_on_a_cpu_machine():
    """Importing torch.utils.benchmark logs "No CUDA runtime is found" where there is no CUDA, and
    notebook 07's timing cell showed it; timer_seconds holds that logger back while it imports."""
    import subprocess
    import sys

    code = "from munit_lib.bench import timer_seconds; print(timer_seconds(lambda: None, calls=1) > 0)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
    assert "CUDA" not in done.stderr, done.stderr
