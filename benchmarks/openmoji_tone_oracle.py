"""Which half loses an OpenMoji reference's skin tone: the decoder or the style encoder?

    python benchmarks/openmoji_tone_oracle.py                       # the shipped pretrained("openmoji")
    python benchmarks/openmoji_tone_oracle.py --checkpoint RUN/checkpoints/last.pt --codes 128

Example-guided translation decodes E_b^s(reference) over the content of a line drawing. Here every
code is decoded over the content of all toned test drawings (their true line art, E_a^c(x)) and the
tone is read on each output (munit_lib.evaluation.openmoji.read_tones). Three kinds of code:

- ``random``: codes drawn from the prior N(0, I), as random translation draws them;
- ``real``: codes encoded from the training split's toned colourings, E_b^s(y), whose tone is known;
- ``fake``: codes encoded from the model's own colourings G_b(E_a^c(x), z) of training line art with a
  random z, whose tone is read on the colouring itself (the untoned yellow left out).

Printed as one JSON object:

- ``best_code_per_tone`` (random and real codes): for each tone, the one code that paints the most
  drawings of half of the test families in that tone, scored on the other half (families split by
  their order, both ways, averaged over the 5 tones). What a perfect style encoder could reach with
  this decoder if it gave one code per tone: the decoder's share of the ceiling.
- ``consistency``: the share of drawings painted in a code's most frequent tone, averaged over the
  codes: does a code mean one tone, whatever the drawing?
- ``own_tone``: (real and fake codes) the share of drawings painted in the tone of the colouring the
  code came from: the style encoder's reading of the tone. For real codes it is example-guided
  accuracy over every test drawing; for fake codes it is the same task on the model's own colourings,
  the images the style-reconstruction loss trains the encoder on. ``own_tone_by_tone`` splits it by the
  colouring's tone 1-5, and ``own_tone_balanced`` is their mean (the fake colourings lean to the
  light tones, where the decoder paints most often anyway).
- ``fake_drawn_with``: the codes the fake colourings were drawn with, in place of their encoding: what
  a perfect encoder of the model's own colourings would score on the same task (its ``own_tone`` is
  below 1 where a code paints other drawings in other tones).
- ``code_length``: mean length of the codes over that of the random ones.
- ``tone_hist``: how often each tone (1-5, then the untoned yellow) is read, per kind of code.

High ``best_code_per_tone`` with low real ``own_tone`` says the decoder can place a tone and the
encoder does not read it from real colourings; a fake ``own_tone`` well above the real one says the
encoder reads the tone from the model's own colourings only.
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from munit_lib.evaluation.openmoji import load_openmoji_split, read_tones  # noqa: E402
from munit_lib.pretrained import pretrained_path  # noqa: E402
from munit_lib.registry import load_generators  # noqa: E402

YELLOW = 5  # read_tones' index of the untoned yellow


def decoded_tones(gen_b, content: torch.Tensor, masks: torch.Tensor, codes: torch.Tensor, per_batch: int = 4) -> torch.Tensor:
    """The tone (0-5) read on each test drawing decoded with each code: (K, n) for codes (K, style_dim)
    and the drawings' content (n, C, h, w)."""
    n = content.shape[0]
    rows = []
    with torch.no_grad():
        for k in range(0, codes.shape[0], per_batch):
            chunk = codes[k:k + per_batch]  # (k', style_dim)
            styles = chunk.repeat_interleave(n, 0)  # (k' * n, style_dim): each code over every drawing
            images = gen_b.decode(content.repeat(chunk.shape[0], 1, 1, 1), styles)  # (k' * n, 3, H, W)
            rows.append(read_tones(images, masks.repeat(chunk.shape[0], 1, 1)).view(chunk.shape[0], n))
    return torch.cat(rows)


def best_code_per_tone(tones: torch.Tensor, half: torch.Tensor) -> float:
    """For each tone 0-4: the code whose drawings of one half are most often that tone, scored on the
    other half; the mean over tones and both ways of choosing. tones (K, n), half (n,) in {0, 1}."""
    scores = []
    for t in range(5):
        hits = (tones == t).float()  # (K, n)
        for h in (0, 1):
            best = hits[:, half == h].mean(1).argmax()
            scores.append(float(hits[best, half != h].mean()))
    return sum(scores) / len(scores)


def consistency(tones: torch.Tensor) -> float:
    """Mean over codes of the share of drawings painted in that code's most frequent tone."""
    return float(torch.stack([torch.bincount(row, minlength=6).max() for row in tones]).float().mean() / tones.shape[1])


def oracle(path, n_codes: int = 128, seed: int = 0) -> dict:
    gen_a, gen_b = (g.eval() for g in load_generators(path))
    train, test = load_openmoji_split(split="train"), load_openmoji_split(split="test")
    idx = test.toned
    families = sorted({test.records[i].base_hexcode for i in idx})
    half = torch.tensor([families.index(test.records[i].base_hexcode) % 2 for i in idx])  # (n,)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        content = gen_a.encode_content(test.line_art[idx])  # (n, C, h, w)
        masks = test.masks(idx)  # (n, H, W)
        # random codes, from the prior
        random_codes = torch.randn(n_codes, gen_b.style_dim, generator=g)
        # real codes: training colourings of a known tone
        toned = [i for i, r in enumerate(train.records) if 1 <= r.skintone <= 5]
        real_pick = [toned[int(j)] for j in torch.randperm(len(toned), generator=g)[:n_codes]]
        _, real_codes = gen_b.encode(train.colour[real_pick])  # (K, style_dim)
        real_truth = torch.tensor([train.records[i].skintone - 1 for i in real_pick])
        # fake codes: the model's own colourings of training line art (with usable skin masks), tone read on them
        drawable = train.toned
        fake_pick = [drawable[int(j)] for j in torch.randint(len(drawable), (2 * n_codes,), generator=g)]
        drawn_with = torch.randn(len(fake_pick), gen_b.style_dim, generator=g)  # (2K, style_dim)
        fakes = gen_b.decode(gen_a.encode_content(train.line_art[fake_pick]), drawn_with)  # (2K, 3, H, W)
        fake_truth = read_tones(fakes, train.masks(fake_pick))
        keep = (fake_truth != YELLOW).nonzero().flatten()[:n_codes]  # toned fakes only
        _, fake_codes = gen_b.encode(fakes[keep])
        fake_truth = fake_truth[keep]
    kinds = {"random": (random_codes, None), "real": (real_codes, real_truth), "fake": (fake_codes, fake_truth),
             "fake_drawn_with": (drawn_with[keep], fake_truth)}
    shown = Path(path).resolve()
    shown = shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown  # a repository path where it is one
    out: dict = {"checkpoint": str(shown), "test_drawings": len(idx), "codes": n_codes}
    for name, (codes, truth) in kinds.items():
        tones = decoded_tones(gen_b, content, masks, codes)  # (K, n)
        row = {"consistency": consistency(tones),
               "code_length": float(codes.norm(dim=1).mean() / random_codes.norm(dim=1).mean()),
               "tone_hist": torch.bincount(tones.flatten(), minlength=6).tolist()}
        if name in ("random", "real"):
            row["best_code_per_tone"] = best_code_per_tone(tones, half)
        if truth is not None:
            hit = (tones == truth.view(-1, 1)).float().mean(1)  # (K,) each code's share in its own tone
            by_tone = [float(hit[truth == t].mean()) if bool((truth == t).any()) else None for t in range(5)]
            row["own_tone"] = float(hit.mean())
            row["own_tone_by_tone"] = by_tone
            row["own_tone_balanced"] = sum(a for a in by_tone if a is not None) / sum(a is not None for a in by_tone)
            row["codes_by_tone"] = torch.bincount(truth, minlength=6)[:5].tolist()
        out[name] = row
    out.update(machine=platform.machine(), threads=torch.get_num_threads(), date=datetime.date.today().isoformat())
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", help="a checkpoint or export (default: the shipped openmoji model)")
    p.add_argument("--codes", type=int, default=128, help="codes of each kind (default 128)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    if args.codes < 2:
        p.error(f"--codes must be at least 2, got {args.codes}")
    torch.set_num_threads(args.threads)
    print(json.dumps(oracle(args.checkpoint or pretrained_path("openmoji"), args.codes), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
