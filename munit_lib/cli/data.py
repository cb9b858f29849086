"""``make-shapes``, ``make-openmoji`` and ``download``: the data sets, written to disk."""
from __future__ import annotations

from pathlib import Path

from .. import data
from ..data.openmoji import OPENMOJI_VERSION, make_openmoji_dataset

__all__ = ["cmd_make_shapes", "cmd_make_openmoji", "cmd_download"]


def cmd_make_shapes(args) -> int:
    root = data.make_shapes_dataset(args.out, size=args.size, n_train=args.train, n_test=args.test, seed=args.seed,
                                    progress=not args.quiet, overwrite=args.overwrite,
                                    texture_anchor=args.texture_anchor)
    print(f"shapes dataset ({args.size}px, {args.train} train / {args.test} test per domain) in {root}")
    return 0


def cmd_make_openmoji(args) -> int:
    out = Path(args.out) if args.out else Path("data") / f"openmoji{args.size}"
    summary = make_openmoji_dataset(out, size=args.size, tarball=args.tarball, overwrite=args.overwrite,
                                    progress=not args.quiet)
    print(f"OpenMoji {OPENMOJI_VERSION} at {args.size}px in {out}: {summary['train']} train / {summary['test']} "
          f"test pairs, {summary['flags_left_out']} flags left out, {len(summary['skipped'])} SVG(s) skipped "
          f"(could not be drawn; listed in {out / 'summary.json'})")
    return 0


def cmd_download(args) -> int:
    # looked up on the package when the verb runs (tests stand a fake in for the network)
    fetch = {"edges2shoes": data.download_edges2shoes, "edges2handbags": data.download_edges2handbags,
             "afhq": data.download_afhq}[args.name]
    if args.disjoint and args.name == "afhq":
        raise ValueError("--disjoint applies to edges2shoes and edges2handbags (side-by-side pairs), not afhq")
    folder = fetch(args.root, disjoint=True) if args.disjoint else fetch(args.root)
    print(f"{args.name} is ready in {folder}: set data_root: {folder} in your config")
    return 0
