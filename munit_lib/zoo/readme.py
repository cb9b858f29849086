"""A published model's ``scores.json``, and the ``README.md`` that states it (course models of the
``shapes`` family and the OpenMoji models; the variants and baselines ship their scores alone)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Union

import yaml

from ..evaluation.shapes_score import SHAPES_TARGETS
from .catalogue import ZOO, zoo_model

__all__ = ["write_scores", "write_shapes_readme", "write_openmoji_readme"]

SHAPES_LABELS = {"content_iou_a2b": "content IoU, sketch -> painting",
                 "content_iou_b2a": "content IoU, painting -> sketch",
                 "colour_coverage": "palette colours reached by 16 styles per sketch",
                 "pair_coverage": "colour x texture pairs reached by 64 styles per sketch (of 32)",
                 "guided_colour": "example-guided: output takes the reference's colour",
                 "guided_texture": "example-guided: output takes the reference's texture"}
SHAPES_TITLES = {"shapes": "The shipped shapes model", "shapes_cpu": "The course's first shapes model (`shapes_cpu`)"}
OPENMOJI_LABELS = {
    "line_art_kept_a2b": "line art kept, a->b (stroke IoU with the truth)", "line_art_kept_b2a": "line art kept, b->a",
    "tones_reached": "skin tones reached by 16 random styles (of 5)",
    "guided_tone_accuracy": "example-guided tone accuracy (chance 0.20)",
    "own_style_tone_accuracy": "tone accuracy, the style encoded from the emoji's own colouring",
    "style_tone_probe": "the style code's tone, nearest-mean probe (chance 0.20)",
    "palette_fidelity": "palette fidelity (the truth: 0.947)", "own_style_l1": "L1 to the truth, own style",
    "diversity_l1": "diversity, pixel L1 (100 x 19 pairs)", "diversity_features": "diversity, classifier features",
    "frechet": "Frechet distance (classifier features)", "inception_score": "IS (groups)", "cis": "CIS"}


def write_scores(name: str, folder: Union[str, os.PathLike], scores: dict) -> None:
    """``folder/scores.json``, and the README the family of the zoo's model ``name`` writes from it
    (a name the zoo does not know, a sweep's say, gets its scores alone)."""
    folder = Path(folder)
    (folder / "scores.json").write_text(json.dumps(scores, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    family = ZOO[name].family if name in ZOO else None
    if family == "shapes":
        write_shapes_readme(name, folder, scores)
    elif family == "openmoji":
        write_openmoji_readme(name, folder, scores)


def write_shapes_readme(name: str, folder: Union[str, os.PathLike], scores: dict) -> None:
    """README.md of a course model from its scores and the record they carry: ``iteration``,
    ``sampled`` (the sample grids' iteration), ``date``, ``commit``, ``note`` (optional) and
    ``rescored`` (optional); the network sizes from the ``config.yaml`` beside it."""
    folder = Path(folder)
    iteration, sampled, note = scores["iteration"], scores["sampled"], scores.get("note", "")
    curve = (folder / "time_to_quality.jsonl").is_file()

    def verdict(key: str) -> str:
        must, aim = SHAPES_TARGETS[key]
        value = scores[key]
        if value >= aim:
            return "aim met"
        return f"must met, {aim - value:.3f} short of the aim" if value >= must else f"**short of must by {must - value:.3f}**"

    cfg = yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8"))
    config = zoo_model(name).config
    probes = scores.get("factor_probes", {})
    lines = [
        f"# {SHAPES_TITLES.get(name, f'The shapes model `{name}`')}",
        "",
        "MUNIT trained by this project's own code on the synthetic shapes domains: 64x64 sketches (A)",
        f"<-> paintings (B), with the {'fast ' if name == 'shapes' else ''}recipe `{config}`: the paper's "
        "networks narrowed",
        f"(gen_dim {cfg['gen_dim']}, {cfg['n_res']} residual blocks, a {cfg['dis_num_scales']}-scale discriminator), "
        f"batch {cfg['batch_size']}, learning rate {cfg['lr']:g},",
        f"the paper's losses plus the explicit style-augmented cycle loss (weight {cfg['recon_x_cyc_w']:g}), "
        f"EMA {cfg['ema_decay']:g} of the generators,",
        f"on paintings whose textures are pinned to the {cfg.get('texture_anchor', 'canvas')} "
        "(`texture_anchor`; notebook 06 shows the two rules, notebook 07 why it matters).",
        "",
        f"Trained for **{iteration:,} iterations** on the project's 2-core CPU machine, ending {scores['date']}",
        f"at commit `{scores['commit']}` of the code."
        + (" `time_to_quality.jsonl` holds its scores along the way" if curve else ""),
        *(["(wall-clock seconds of training, iteration, every score), written by `benchmarks/time_to_quality.py`.",
           "",
           "It was trained by the time-to-quality benchmark (one thread, seed 0, scored at fixed wall-clock",
           "times), which trains as the command line does, in slices (the trainer resumes exactly, so slicing",
           "changes nothing; not re-checked for this run)."] if curve else []),
        "Reproduce with one thread, as it was trained:",
        "",
        "```bash",
        f"python scripts/zoo.py train {name} --max-iter {iteration}   # one thread; again to resume",
        f"python scripts/zoo.py publish {name}   # export, log, samples, scores, README",
        "```",
        "",
        *([note, ""] if note else []),
        "| file | what |",
        "|---|---|",
        "| `generators.pt` | both generators (EMA weights), original `gen_XXXXXXXX.pt` layout + `config`; "
        f"`munit_lib.pretrained(\"{name}\")` loads it |",
        "| `config.yaml` | the run's full config |",
        "| `losses.csv` | every logged loss, one row per 10 iterations |",
        f"| `samples_a2b.png`, `samples_b2a.png` | sample grids of iteration {sampled:,}: fixed test inputs "
        "(first column) x fixed styles |",
        "| `scores.json` | the scores below, with the date, commit and machine |",
        *(["| `time_to_quality.jsonl` | the scores along the run |"] if curve else []),
        "",
        f"## Scores on the shapes test split ({scores['n_test']} images per domain, "
        f"{scores['num_styles']} random styles each)",
        "",
        "Measured by `munit_lib.evaluation.shapes_score.score_shapes_model`, whose readers agree with the ground",
        "truth on real samples (tests/test_evaluation_shapes.py, notebook 06).",
        *([f"Scored again on {scores['rescored']['date']} at commit `{scores['rescored']['commit']}`",
           f"(`python scripts/zoo.py score {name} --write`), with the scorer's measures of that day."]
          if "rescored" in scores else []),
        "",
        "| measure | value | must | aim | |",
        "|---|---|---|---|---|",
    ]
    for key, (must, aim) in SHAPES_TARGETS.items():
        lines.append(f"| {SHAPES_LABELS[key]} | {scores[key]:.3f} | {must} | {aim} | {verdict(key)} |")
    lines += [
        "",
        f"With 16 styles per sketch, colour x texture pairs reached: {scores['style_coverage']:.3f} of 32; no model",
        "can pass 0.5 there (16 outputs), and one whose outputs follow the data's own style distribution",
        f"scores {scores['style_coverage_ideal']:.3f} in the mean. With 64 styles the ideal is "
        f"{scores['pair_coverage_ideal']:.3f}: that is the column above.",
        *(["", "Colours and pairs above come from one draw of style codes shared by every sketch, so they move",
           "with the draw (`benchmarks/results.md`, \"The colour reader's lottery\"). With every sketch given its own",
           f"codes: colours {scores['colour_coverage_fresh']:.3f} (a perfect sampler of the 8 colours scores "
           f"{scores['colour_coverage_ideal']:.3f}), pairs with 64 styles {scores['pair_coverage_fresh']:.3f}."]
          if "colour_coverage_fresh" in scores else []),  # scores made before the fresh measures lack them
        "",
        "Where colour and texture live (linear probes on real test paintings, `evaluation.shapes_score.factor_probes`;",
        "chance is 0.125 for colour, 0.25 for texture):",
        "",
        "| code | colour | texture |",
        "|---|---|---|",
        f"| style code | {probes.get('style_colour', float('nan')):.3f} | {probes.get('style_texture', float('nan')):.3f} |",
        f"| content code (4x4 pooled) | {probes.get('content_colour', float('nan')):.3f} | "
        f"{probes.get('content_texture', float('nan')):.3f} |",
        "",
    ]
    histogram = ", ".join(f"{c} {k}" for c, k in sorted(scores["colour_histogram"].items(), key=lambda kv: -kv[1]))
    lines += [f"Colours that random styles produce, over 50 test sketches x 16 styles (`colour_histogram`): {histogram}.",
              ""]
    (folder / "README.md").write_text("\n".join(lines), encoding="utf-8")


def write_openmoji_readme(name: str, folder: Union[str, os.PathLike], scores: dict) -> None:
    """README.md of an OpenMoji model: what it is, how it was trained (``scores["training"]``: kind,
    config, iterations, CPU-minutes, machine, date, commit, note), its scores."""
    record = scores["training"]

    def fmt(v):
        return "n/a" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))

    lines = [f"# `{name}`: {record['kind']} on OpenMoji line art -> colour (64 px)", "",
             f"Trained by munit_lib with `{record['config']}` for {record['iterations']:,} iterations, "
             f"{record['cpu_minutes']} CPU-minutes ({record['machine']}, {record['date']}, "
             f"commit {record['commit']}). {record['note']}".strip(), "",
             "Load it: `munit_lib.pretrained(\"%s\")` (a `Translator`), or measure it with "
             "`python -m munit_lib score-openmoji --checkpoint data/pretrained/%s/generators.pt`." % (name, name), "",
             "| measure (test split: 310 emoji, 140 with a skin tone) | score |", "|---|---|"]
    lines += [f"| {label} | {fmt(scores.get(key))} |" for key, label in OPENMOJI_LABELS.items()]
    lines += ["", "Data: OpenMoji (CC BY-SA 4.0, `data/openmoji64/LICENSE.md`); the weights are derived from it and "
              "shared under the same licence.", ""]
    (Path(folder) / "README.md").write_text("\n".join(lines), encoding="utf-8")
