"""Table 1 of the MUNIT paper on the shapes domains, from the shipped models, in one command.

    OMP_NUM_THREADS=1 python scripts/table1_shapes.py [--out data/pretrained/evaluation/table1_shapes.md]
        [--lpips] [--inputs 100] [--pairs 19] [--styles 10] [--allow-missing]

Scores every model of ``munit_lib.evaluation.TABLE1_ROWS`` (the ablations, the baselines, MUNIT
with the same budget, the style-dimension sweep and the course's shipped model; all under
``data/pretrained/``) and real data with ``munit_lib.evaluation``'s protocol, then writes one
Markdown file: the table, the paper's findings checked on it (``table1_findings``), the
style-dimension sweep, and the machine and date. The rows also go to ``<out>.json``.
``--lpips`` adds the real LPIPS column (needs ``munit_lib[metrics]`` and its AlexNet weights).
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "data" / "pretrained" / "evaluation" / "table1_shapes.md"
SWEEP = (("shapes_sd2", 2), ("shapes_cyc10", 8), ("shapes_sd32", 32))  # style_dim sweep: the fast recipe


def sweep_table(rows: dict[str, dict]) -> str:
    """The style-dimension sweep as Markdown (rows that exist)."""
    lines = ["| style_dim | diversity (domain features) | colour x texture pairs | quality proxy | content IoU | CIS |",
             "|---:|---:|---:|---:|---:|---:|"]
    for name, dim in SWEEP:
        r = rows.get(name)
        if r:
            lines.append(f"| {dim} | {r['diversity']:.3f} | {r['pairs_reached']:.3f} | {r['quality']:.3f} | "
                         f"{r['content_iou']:.3f} | {r['cis']:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    import torch

    from munit_lib.evaluation import (TABLE1_ROWS, evaluate_real_paintings, evaluate_sketch_to_painting,
                                      load_shapes_classifier, markdown_findings, markdown_table, table1_findings)
    from munit_lib.cli.score import load_for_evaluation
    from munit_lib.pretrained import pretrained_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="the Markdown file (rows as JSON beside it)")
    parser.add_argument("--inputs", type=int, default=100, help="test sketches (the paper: 100)")
    parser.add_argument("--pairs", type=int, default=19, help="pairs of outputs per input (the paper: 19)")
    parser.add_argument("--styles", type=int, default=10, help="random styles per input for IS, CIS, Fréchet, quality")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lpips", action="store_true", help="also the real LPIPS (needs munit_lib[metrics])")
    parser.add_argument("--allow-missing", action="store_true", help="skip models that are not on disk")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    paths = {name: pretrained_path(name) for name in TABLE1_ROWS}
    missing = [name for name, path in paths.items() if not path.is_file()]
    if missing and not args.allow_missing:
        parser.error(f"not on disk: {', '.join(missing)} (train them: scripts/train_variants.py, "
                     "scripts/train_baselines.py) or pass --allow-missing")
    classifier = load_shapes_classifier()
    protocol = {"n_inputs": args.inputs, "n_pairs": args.pairs, "n_styles": args.styles, "seed": args.seed}
    rows = []
    for name, path in paths.items():
        if name in missing:
            continue
        row = evaluate_sketch_to_painting(load_for_evaluation(str(path), name), classifier, lpips=args.lpips,
                                          **protocol)
        scores = path.parent / "scores.json"
        if scores.is_file():  # how each model was trained: iterations and (baselines) wall-clock seconds
            trained = json.loads(scores.read_text(encoding="utf-8"))
            row.update({k: trained[k] for k in ("iteration", "train_cpu_seconds") if k in trained})
        rows.append(row)
        print(json.dumps(row, sort_keys=True), flush=True)
    rows.append(evaluate_real_paintings(classifier, lpips=args.lpips, **protocol))
    by_name = {r["model"]: r for r in rows}
    findings = table1_findings(by_name)
    if args.lpips:
        findings += [dict(f, finding=f["finding"] + " (real LPIPS)")
                     for f in table1_findings(by_name, diversity="diversity_lpips")]
    when = (f"Measured {datetime.date.today().isoformat()} on {platform.machine()} ({platform.processor() or 'cpu'}) "
            f"with torch {torch.__version__}, {torch.get_num_threads()} thread(s), by `python scripts/table1_shapes.py`.")
    text = "\n".join([
        "# Table 1 on the shapes domains", "",
        f"Shapes test split; {args.inputs} inputs x {args.pairs} pairs (diversity), {args.styles} styles per input "
        f"(IS, CIS, Fréchet, quality), seed {args.seed}. {when}", "",
        markdown_table(rows),
        "Rows: `munit_lib.pretrained` names (`shapes_cyc0` = MUNIT with the paper's objective; `shapes_nox`, "
        "`shapes_noc`, `shapes_nos` = without L_x, L_c, L_s; `shapes_cyc10` = the fast recipe; `shapes_sd*` = "
        "its style-dimension sweep; `shapes` = the course's longer-trained model).", "",
        "How each was trained: MUNIT variants for a fixed number of iterations (2,500: about 600 s on a quiet "
        "CPU thread, `benchmarks/results.md`), the baselines for a CPU-time budget on one thread "
        "(`scripts/train_baselines.py --max-cpu-seconds`).", "",
        "| model | iterations | training CPU seconds |", "|---|---:|---:|",
        *[f"| {r['model']} | {r.get('iteration', 'n/a')} | {r.get('train_cpu_seconds', 'n/a')} |" for r in rows[:-1]], "",
        "## The paper's findings, checked", "", markdown_findings(findings),
        "## Style dimension (the fast recipe; BicycleGAN's paper sweeps its latent size the same way)", "",
        sweep_table(by_name)])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(rows, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"table written to {out} (rows as JSON in {out.with_suffix('.json')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
