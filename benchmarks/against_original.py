"""Our training iteration beside the original implementation's procedure, on the same machine.

    python benchmarks/against_original.py --profile paper --size 128 --threads 2 [--rounds 5] [--device cpu]

Prints one JSON line (``benchmark: against_original_procedure``): the median and fastest seconds
of each procedure, the FLOPs of each, and ``ratio`` = our median over theirs (below 1: we are
faster). ``results.md`` ("Against the original implementation") holds the measured lines.

The original's procedure lives here, not in ``munit_lib``: the library trains one way
(``munit_lib.training.train_step``); this file keeps the other way only to time it.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import statistics
import sys
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from munit_lib.bench import device_name, matmul_gflops, median_seconds, pick_device, training_setup  # noqa: E402
from munit_lib.config import MUNITConfig  # noqa: E402
from munit_lib.losses import discriminator_loss  # noqa: E402
from munit_lib.networks import MUNIT  # noqa: E402
from munit_lib.training.step import gen_losses, train_step  # noqa: E402

__all__ = ["original_procedure_step", "run_original_comparison", "main"]


def original_procedure_step(model: MUNIT, opt_gen: torch.optim.Optimizer, opt_dis: torch.optim.Optimizer,
                            x_a: torch.Tensor, x_b: torch.Tensor, rng: torch.Generator | None = None) -> None:
    """One iteration carried out the way the original implementation's trainer carries it out, to
    time it beside :func:`~munit_lib.training.step.train_step` on the same machine.

    The mathematics is the same (same styles, same losses, same updates: ``tests/test_bench.py``
    checks that both leave identical weights when both decoders run layer by layer); only the work
    differs. The original

      * in the discriminator update, encodes content *and* style of both images with autograd
        recording, and detaches the translations before the discriminators see them;
      * in the generator update, lets the gradient reach the discriminators' weights too (it is
        thrown away: the next discriminator update clears it);
      * in the decoder, upsamples and then convolves (ours do both in one at the low resolution,
        :mod:`munit_lib.upsample_conv`; switched off here for the iteration).

    ``train_step`` skips all three, which is why it counts fewer FLOPs (this procedure counts
    2.24 TFLOP at 256x256, the figure for the original).
    """
    with _plain_upsampling(model):
        _original_procedure(model, opt_gen, opt_dis, x_a, x_b, rng)


@contextlib.contextmanager
def _plain_upsampling(model: MUNIT):
    """Decoders that upsample, pad and convolve one after another, as the original (restored after)."""
    decoders = [model.gen_a.dec, model.gen_b.dec]
    before = [d.fused_upsampling for d in decoders]
    for d in decoders:
        d.fused_upsampling = False
    try:
        yield
    finally:
        for d, value in zip(decoders, before):
            d.fused_upsampling = value


def _original_procedure(model: MUNIT, opt_gen, opt_dis, x_a: torch.Tensor, x_b: torch.Tensor,
                        rng: torch.Generator | None) -> None:
    cfg = model.cfg
    batch, device = x_a.shape[0], x_a.device
    # discriminator update: both encoders run in full, with autograd recording
    s_a, s_b = model.random_style(batch, rng, device), model.random_style(batch, rng, device)
    opt_dis.zero_grad(set_to_none=True)
    c_a, _ = model.gen_a.encode(x_a)
    c_b, _ = model.gen_b.encode(x_b)
    x_ba, x_ab = model.gen_a.decode(c_b, s_a), model.gen_b.decode(c_a, s_b)
    loss = cfg.gan_w * (discriminator_loss(model.dis_a(x_ba.detach()), model.dis_a(x_a), cfg.gan_type)
                        + discriminator_loss(model.dis_b(x_ab.detach()), model.dis_b(x_b), cfg.gan_type))
    loss.backward()
    opt_dis.step()
    # generator update: the discriminators' weights get gradients too
    s_a, s_b = model.random_style(batch, rng, device), model.random_style(batch, rng, device)
    opt_gen.zero_grad(set_to_none=True)
    gen_losses(model, x_a, x_b, s_a, s_b)["total"].backward()
    opt_gen.step()


def run_original_comparison(cfg: MUNITConfig, size: int | None = None, rounds: int = 5, device: str | None = None,
                            threads: int | None = None) -> dict:
    """Time our training iteration and the original implementation's procedure
    (:func:`original_procedure_step`) on the same machine, in the same process, interleaved.

    Shared machines drift and stall, so the two are timed in alternating order (ours first in even
    rounds, the original's first in odd ones) after one warm-up each; the JSON line gives the
    median and the fastest iteration of each, FLOPs of each, and ``ratio`` = our median over theirs
    (below 1: we are faster).
    """
    if threads:
        torch.set_num_threads(int(threads))
    size = int(size or cfg.image_size)
    cfg = cfg.replace(image_size=size, new_size=size)
    if cfg.vgg_w > 0:
        raise ValueError("the comparison times the configuration without the perceptual loss: set vgg_w=0")
    dev = pick_device(device)
    model, opt_gen, opt_dis, x_a, x_b, rng = training_setup(cfg, dev)
    steps = {"ours": lambda: train_step(model, opt_gen, opt_dis, x_a, x_b, rng=rng),
             "original": lambda: original_procedure_step(model, opt_gen, opt_dis, x_a, x_b, rng=rng)}
    flops = {}
    for name, step in steps.items():  # warm-up, counting FLOPs
        with FlopCounterMode(display=False) as counter:
            step()
        flops[name] = counter.get_total_flops()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for r in range(rounds):
        for name in (["ours", "original"] if r % 2 == 0 else ["original", "ours"]):
            times[name].append(median_seconds(steps[name], 1, dev))
    result = {"benchmark": "against_original_procedure", "profile": cfg.profile, "image_size": size,
              "batch_size": cfg.batch_size, "rounds": rounds, "device": device_name(dev),
              "threads": torch.get_num_threads(), "matmul_gflops": matmul_gflops(dev), "torch": torch.__version__,
              "date": datetime.date.today().isoformat()}
    for name in steps:
        result[f"{name}_tflop_per_iteration"] = round(flops[name] / 1e12, 6)
        result[f"{name}_seconds_median"] = round(statistics.median(times[name]), 4)
        result[f"{name}_seconds_fastest"] = round(min(times[name]), 4)
    result["ratio"] = round(result["ours_seconds_median"] / result["original_seconds_median"], 3)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--config", help="a YAML config")
    group.add_argument("--profile", help="a named profile (default: paper)")
    parser.add_argument("--size", type=int, help="image side (default: the config's)")
    parser.add_argument("--rounds", type=int, default=5, help="timed iterations of each, interleaved")
    parser.add_argument("--device", help="cpu, cuda, cuda:1 (default: cuda when available)")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args(argv)
    cfg = MUNITConfig.from_yaml(args.config) if args.config else MUNITConfig.profile_named(args.profile or "paper")
    try:
        result = run_original_comparison(cfg, size=args.size, rounds=args.rounds, device=args.device,
                                         threads=args.threads)
    except ValueError as err:
        parser.error(str(err))
    result["config"] = args.config or (args.profile or "paper")  # what was measured, as the user named it
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
