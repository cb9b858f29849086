"""Where the decoder's fused upsampling pays off: the plain "nearest x2, reflect pad, 5x5 conv" and
munit_lib.upsample_conv's low-resolution form, forward + backward, over map sizes and widths.

    python benchmarks/upsample_conv.py [--threads 2]     # one JSON line per (side, channels)

The thresholds Decoder.fuse_min_side / fuse_min_channels come from this grid (benchmarks/results.md).
"""
from __future__ import annotations

import argparse
import datetime
import json
import statistics
import time

import torch

from munit_lib.bench import device_name
from munit_lib.upsample_conv import upsample_conv2d, upsample_conv2d_plain


def seconds(fn, rounds: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for side in (16, 32, 64):
        for channels in (32, 64, 128, 256):
            g = torch.Generator().manual_seed(0)
            x = torch.randn(1, channels, side, side, generator=g).requires_grad_()
            weight = (torch.randn(channels // 2, channels, 5, 5, generator=g) * 0.02).requires_grad_()
            bias = torch.zeros(channels // 2, requires_grad=True)

            def run(form):
                return lambda: form(x, weight, bias, 2).sum().backward()

            plain, fused = seconds(run(upsample_conv2d_plain), args.rounds), seconds(run(upsample_conv2d), args.rounds)
            print(json.dumps({"benchmark": "upsample_conv", "input_side": side, "in_channels": channels,
                              "plain_ms": round(plain * 1e3, 2), "fused_ms": round(fused * 1e3, 2),
                              "speedup": round(plain / fused, 2), "threads": torch.get_num_threads(),
                              "device": device_name(torch.device("cpu")), "torch": torch.__version__,
                              "date": datetime.date.today().isoformat()}, sort_keys=True))


if __name__ == "__main__":
    main()
