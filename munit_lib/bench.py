"""Speed, measured: seconds per training iteration and per translation, and peak memory.

``python -m munit_lib bench --profile paper --size 128 --threads 2`` prints one JSON line.
A benchmark measures; it never asserts. Results we publish live in ``benchmarks/results.md``
with the machine and the date beside them (``benchmarks/run_cpu.sh`` regenerates them).
``benchmarks/against_original.py`` times the original implementation's procedure beside ours with
the helpers here.
"""
from __future__ import annotations

import datetime
import logging
import platform
import resource
import statistics
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from .config import MUNITConfig
from .data import ShapesDomain
from .networks import MUNIT
from .pretrained import pretrained
from .training.optim import make_optimizers
from .training.step import train_step
from .widgets import StyleExplorer

__all__ = ["run_benchmark", "run_explorer_benchmark", "device_name", "matmul_gflops", "timer_seconds",
           "median_seconds", "training_setup", "pick_device"]


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        model = ""
    return f"cpu: {model or platform.processor() or platform.machine()}"


def matmul_gflops(device: torch.device, n: int = 2048, repeats: int = 5) -> float:
    """This machine's fp32 matrix-multiply throughput (GFLOP/s): a yardstick to compare timings
    taken on different machines (convolutions run near it)."""
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    seconds = timer_seconds(lambda: a @ b, repeats)
    return round(2 * n ** 3 / seconds / 1e9, 1)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timer_seconds(fn, calls: int = 5) -> float:
    """Seconds per call of a side-effect-free ``fn`` (a translation, a matmul), measured by
    ``torch.utils.benchmark.Timer`` at the current thread count: its warm-up calls, then the
    median over blocks of calls run for at least ``calls`` times one call's warm-up duration
    (Timer synchronises CUDA itself)."""
    # imported here, with torch's cpp_extension logger held at ERROR for the import: importing
    # torch.utils.benchmark logs "No CUDA runtime is found" on CPU-only machines, which says nothing
    # about a CPU timing and would land in every notebook cell that measures one
    log = logging.getLogger("torch.utils.cpp_extension")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        from torch.utils.benchmark import Timer
    finally:
        log.setLevel(level)

    timer = Timer(stmt="fn()", globals={"fn": fn}, num_threads=torch.get_num_threads())
    one = timer.timeit(1).median  # after Timer's own warm-up calls
    return float(timer.blocked_autorange(min_run_time=max(calls, 1) * one).median)


def median_seconds(fn, repeats: int, device: torch.device) -> float:
    """Median of ``repeats`` single timed calls: for training iterations, which change the weights
    and take seconds, so that each call is one iteration and two procedures compared side by side
    (``benchmarks/against_original.py``) can alternate call by call (``Timer.timeit`` would add two warm-up iterations to each)."""
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pick_device(name: str | None) -> torch.device:
    return torch.device(name or ("cuda" if torch.cuda.is_available() else "cpu"))


def training_setup(cfg: MUNITConfig, dev: torch.device):
    """What every timed iteration uses: a MUNIT seeded with ``cfg.seed`` on ``dev`` (channels_last
    when the config asks), its two optimisers, one random batch per domain in [-1, 1] at
    ``cfg.image_size`` and a seeded generator for the style codes."""
    torch.manual_seed(cfg.seed)
    model = MUNIT(cfg).to(dev)
    memory = torch.channels_last if cfg.channels_last else torch.contiguous_format
    if cfg.channels_last:
        model = model.to(memory_format=memory)
    opt_gen, opt_dis = make_optimizers(model)
    size = cfg.image_size
    x_a = torch.rand(cfg.batch_size, cfg.input_dim_a, size, size, device=dev).mul(2).sub(1).to(memory_format=memory)
    x_b = torch.rand(cfg.batch_size, cfg.input_dim_b, size, size, device=dev).mul(2).sub(1).to(memory_format=memory)
    return model, opt_gen, opt_dis, x_a, x_b, torch.Generator(dev).manual_seed(0)


def run_benchmark(cfg: MUNITConfig, size: int | None = None, batch_size: int | None = None, iterations: int = 5,
                  device: str | None = None, precision: str | None = None, threads: int | None = None) -> dict:
    """Time ``iterations`` training iterations (after one warm-up) and as many translations.

    Returns a dict: ``seconds_per_iteration`` (median of D step + G step), ``tflop_per_iteration``
    (counted by ``FlopCounterMode``), ``achieved_gflops``, ``matmul_gflops`` (the machine's yardstick), ``seconds_per_translation``
    (median, one image, eval mode, no_grad), ``peak_memory_mb`` (GPU: peak allocated; CPU: the
    process's peak resident set), ``device``, ``precision``, ``threads``, sizes and versions.
    """
    if threads:
        torch.set_num_threads(int(threads))
    size = int(size or cfg.image_size)
    cfg = cfg.replace(image_size=size, new_size=max(size, cfg.new_size if size == cfg.image_size else size),
                      batch_size=int(batch_size or cfg.batch_size), precision=precision or cfg.precision)
    dev = pick_device(device)
    model, opt_gen, opt_dis, x_a, x_b, rng = training_setup(cfg, dev)
    cast = torch.bfloat16 if cfg.precision == "bf16" else None
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)

    def iteration():
        train_step(model, opt_gen, opt_dis, x_a, x_b, rng=rng, autocast_dtype=cast)

    with FlopCounterMode(display=False) as counter:  # the warm-up (allocations, kernel choice) counts FLOPs
        iteration()
    flops = counter.get_total_flops()
    per_iteration = median_seconds(iteration, iterations, dev)

    model.eval()
    one = x_a[:1]

    @torch.no_grad()
    def translation():
        with torch.autocast(dev.type, dtype=cast) if cast is not None else torch.no_grad():
            content = model.gen_a.encode_content(one)  # as the original test script: content only
            model.gen_b.decode(content, model.random_style(1, rng, dev))

    per_translation = timer_seconds(translation, max(iterations, 5))
    if dev.type == "cuda":
        peak = torch.cuda.max_memory_allocated(dev) / 2 ** 20
    else:  # ru_maxrss is in KiB on Linux
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"profile": cfg.profile, "image_size": size, "tflop_per_iteration": round(flops / 1e12, 4),
            "achieved_gflops": round(flops / per_iteration / 1e9, 1), "matmul_gflops": matmul_gflops(dev), "batch_size": cfg.batch_size, "precision": cfg.precision,
            "channels_last": cfg.channels_last, "device": device_name(dev), "threads": torch.get_num_threads(),
            "iterations": iterations, "seconds_per_iteration": round(per_iteration, 4),
            "seconds_per_translation": round(per_translation, 5), "peak_memory_mb": round(peak, 1),
            "torch": torch.__version__, "date": datetime.date.today().isoformat()}


def run_explorer_benchmark(name: str = "shapes", n: int = 30, threads: int | None = None,
                           root: str | None = None) -> dict:
    """Median seconds of one style-explorer update (slider moved -> callback -> decode -> PNG ->
    ``Image`` widget) with the shipped model ``name``, on the CPU."""
    if threads:
        torch.set_num_threads(int(threads))
    translator = pretrained(name, root=root)
    size = translator.image_size
    contents = torch.stack([ShapesDomain("a", "test", size, 4, 0)[i] for i in range(4)])
    explorer = StyleExplorer(translator, contents)
    explorer.time_update(3)  # warm-up
    seconds = explorer.time_update(n)
    return {"benchmark": "explorer_update", "model": name, "image_size": size, "updates": n,
            "seconds_per_update": round(seconds, 5), "device": device_name(torch.device("cpu")),
            "threads": torch.get_num_threads(), "torch": torch.__version__,
            "date": datetime.date.today().isoformat()}
