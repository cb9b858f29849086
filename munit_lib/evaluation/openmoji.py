"""Measuring line art -> colour on OpenMoji against its ground truth (notebook 12).

Every test emoji comes as line art (domain A) *and* as its true colouring (domain B), and the
package says which of five skin tones each toned emoji wears. So translation can be measured,
not only looked at:

* ``line_art_kept``: the dark strokes of an output against those of the truth, as IoU
  (a->b: the output against the true colouring; b->a: against the true line art);
* ``tones_reached``: of the 5 skin tones, how many 16 random styles give one toned emoji;
* ``guided_tone_accuracy``: example-guided translation, the reference another emoji of a known
  tone; is the output's tone the reference's? (chance: 0.2);
* ``own_style_tone_accuracy``: the same, the style encoded from the emoji's own true colouring;
* ``style_tone_probe``: whether the style code holds the tone at all (a nearest-mean probe);
* ``palette_fidelity``: the share of an output's pixels that are OpenMoji palette colours
  (the artists draw with a fixed palette of 24 colours and the skin tones);
* ``own_style_l1``: the L1 distance to the true colouring when the style is encoded from that
  very colouring (how much of the answer the style code can carry);
* the paper's diversity protocol, a Frechet distance, IS and CIS, with the group classifier of
  ``munit_lib.evaluation.openmoji_classifier`` supplying features and probabilities.

How a tone is read: the skin of an emoji family (the five tones of one base emoji share one line
drawing) is the set of pixels that every variant's true colouring paints in its own Fitzpatrick
fill. An image's tone is the nearest of the five fills (or of the untoned emoji yellow) to the
median colour of those pixels. The true colourings read back their own tone every time (tested).

``score_openmoji(model)`` runs them all for one model (``python -m munit_lib score-openmoji``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Union

import numpy as np
import torch

from ..data.folders import load_image
from ..data.openmoji import EMOJI_YELLOW, SKIN_SHADOWS, SKIN_TONES, read_metadata_table
from ..data.transforms import image_to_tensor
from ..pretrained import data_dir
from ..translate import Translator
from .diversity import pixel_l1_distance, protocol_diversity
from .frechet import frechet_distance
from .inception_scores import conditional_inception_score, inception_score
from .openmoji_classifier import load_openmoji_classifier, openmoji_classifier_path

__all__ = ["PALETTE", "TONE_COLOURS", "MIN_SKIN_PIXELS", "OpenMojiTestSet", "load_openmoji_split",
           "OpenMojiModel", "openmoji_model", "hex_to_rgb", "stroke_mask", "line_art_kept", "read_tones",
           "tones_reached", "guided_tone_confusion", "guided_tone_accuracy", "tone_confusion_summary",
           "own_style_tone_accuracy",
           "style_tone_probe", "palette_fidelity", "own_style_l1", "openmoji_diversity",
           "score_openmoji", "default_openmoji_root"]

PathLike = Union[str, os.PathLike]


def hex_to_rgb(code: str) -> tuple[float, float, float]:
    """``"#fadcbc"`` -> (0.98, 0.86, 0.74), in [0, 1]."""
    code = code.lstrip("#")
    return tuple(int(code[i:i + 2], 16) / 255 for i in (0, 2, 4))


# data/color-palette.json of the package: 24 colours, then the skin tones with their shadows (hair colours
# are among the 24 already)
_PALETTE_HEX = ("#000000", "#ffffff", "#92d3f5", "#61b2e4", "#ea5a47", "#d22f27", "#b1cc33", "#5c9e31", "#fcea2b",
                "#f1b31c", "#d0cfce", "#9b9b9a", "#3f3f3f", "#f4aa41", "#e27022", "#ffa7c0", "#e67a94", "#b399c8",
                "#8967aa", "#a57939", "#6a462f", "#1e50a0", "#781e32", "#186648")
PALETTE = torch.tensor([hex_to_rgb(c) for c in dict.fromkeys(_PALETTE_HEX + SKIN_TONES + SKIN_SHADOWS)])  # (P, 3)
# classes of read_tones: 0-4 are tones 1-5, 5 is the yellow of an emoji with no tone
TONE_COLOURS = torch.tensor([hex_to_rgb(c) for c in SKIN_TONES + (EMOJI_YELLOW,)])  # (6, 3)
# a family whose shared skin is smaller than this, in an image MIN_SKIN_SIDE pixels square, is not scored for
# tone; in proportion to the area at other sizes, so that a set built at 128 or 256 px scores the same families
# as the shipped 64-px one (up to the rasteriser's edges)
MIN_SKIN_PIXELS, MIN_SKIN_SIDE = 12, 64
SKIN_TOLERANCE = 0.08  # how far (max over R, G, B, in [0, 1]) a pixel of the truth may be from its fill


def _unit(x: torch.Tensor) -> torch.Tensor:
    """[-1, 1] network images -> [0, 1]."""
    return (x.float() + 1) / 2


def default_openmoji_root() -> Path:
    """The shipped 64-px set: ``openmoji64`` in the data directory (the repository's ``data/``, or
    ``$MUNIT_DATA_DIR``, as ``munit_lib.pretrained.data_dir`` finds it)."""
    return data_dir() / "openmoji64"


def _read_png(path: Path) -> torch.Tensor:
    """One image of the set, (3, H, W) in [-1, 1], through the library's one image loader (its errors
    name the file)."""
    return image_to_tensor(load_image(path))


@dataclass
class OpenMojiTestSet:
    """The aligned pairs of one split: ``line_art`` and ``colour`` (N, 3, H, W) in [-1, 1], their
    ``records`` (metadata rows, same order) and, per toned family, its ``skin`` mask (H, W)."""

    line_art: torch.Tensor
    colour: torch.Tensor
    records: list
    skin: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.records)

    @property
    def toned(self) -> list[int]:
        """Indices of the single-tone emoji whose family has a usable skin mask."""
        return [i for i, r in enumerate(self.records) if 1 <= r.skintone <= 5 and r.base_hexcode in self.skin]

    def subset(self, indices) -> "OpenMojiTestSet":
        """The pairs at ``indices`` (a list), with the skin masks of their families."""
        indices = list(indices)
        records = [self.records[i] for i in indices]
        families = {r.base_hexcode for r in records}
        return OpenMojiTestSet(self.line_art[indices], self.colour[indices], records,
                               {f: m for f, m in self.skin.items() if f in families})

    def masks(self, indices) -> torch.Tensor:
        """The skin mask of each index's family, (n, H, W) bool."""
        return torch.stack([self.skin[self.records[i].base_hexcode] for i in indices])


def _skin_masks(colour: torch.Tensor, records: list) -> dict:
    """Per family with single-tone variants: the pixels every variant paints in its own fill."""
    fills = torch.tensor([hex_to_rgb(c) for c in SKIN_TONES])  # (5, 3)
    masks: dict = {}
    for i, r in enumerate(records):
        if not 1 <= r.skintone <= 5:
            continue
        near = (_unit(colour[i]) - fills[r.skintone - 1].view(3, 1, 1)).abs().amax(0) < SKIN_TOLERANCE  # (H, W)
        masks[r.base_hexcode] = near if r.base_hexcode not in masks else masks[r.base_hexcode] & near
    least = MIN_SKIN_PIXELS * colour.shape[-2] * colour.shape[-1] / MIN_SKIN_SIDE ** 2  # scaled with the area
    return {family: m for family, m in masks.items() if int(m.sum()) >= least}


def load_openmoji_split(root: Optional[PathLike] = None, split: str = "test") -> OpenMojiTestSet:
    """One split of a set written by ``make_openmoji_dataset`` (default: the shipped 64-px set)."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    root = Path(root) if root is not None else default_openmoji_root()
    records = [r for r in read_metadata_table(root) if r.split == split]
    if not records:
        raise ValueError(f"{root}/metadata.csv lists no {split} emoji")
    line_art = torch.stack([_read_png(root / f"{split}A" / f"{r.hexcode}.png") for r in records])
    colour = torch.stack([_read_png(root / f"{split}B" / f"{r.hexcode}.png") for r in records])
    if line_art.shape != colour.shape:
        raise ValueError(f"{root}: the line art {tuple(line_art.shape)} and colour {tuple(colour.shape)} "
                         "images differ in size")
    return OpenMojiTestSet(line_art, colour, records, _skin_masks(colour, records))


# ----------------------------------------------------------------------------- models, seen one way
@dataclass
class OpenMojiModel:
    """A translator seen the way these measures need it.

    ``a2b(line_art, styles)`` -> colour, styles (B, style_dim) (style_dim 0: a deterministic model);
    ``b2a(colour)`` -> line art, or ``None`` (a one-way model); ``encode_b(colour)`` -> a style code
    for ``a2b``, or ``None`` (a model that cannot take a reference)."""

    name: str
    style_dim: int
    a2b: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    b2a: Optional[Callable[[torch.Tensor], torch.Tensor]] = None
    encode_b: Optional[Callable[[torch.Tensor], torch.Tensor]] = None


def openmoji_model(model, name: Optional[str] = None) -> OpenMojiModel:
    """Wrap a MUNIT ``Translator`` (or model, or pair of generators), a ``BicycleGAN`` or a ``CycleGAN``,
    or read a checkpoint or export of any of them (a path, with ``registry.load_generators``), as an
    ``OpenMojiModel`` that translates through the ``Translator`` (``translate_batch``,
    ``encode_style_batch``): ``b2a`` where the model translates back (not BicycleGAN), ``encode_b``
    where B images have a code (MUNIT, BicycleGAN)."""
    if isinstance(model, OpenMojiModel):
        return model
    if isinstance(model, (str, os.PathLike)):
        path = Path(model)
        name = name or (path.parent.name if path.stem in ("last", "generators") else path.stem)
        model = Translator.from_checkpoint(path)  # the one loader: a baseline's file gives its translation sides
    try:
        tr = Translator.from_model(model)
    except TypeError:
        raise TypeError(f"cannot measure a {type(model).__name__} on OpenMoji: pass a MUNIT Translator or model, a "
                        "BicycleGAN, a CycleGAN, a checkpoint path, or an OpenMojiModel") from None

    def b2a(y: torch.Tensor) -> torch.Tensor:  # one random line-art style per image, the same every call
        styles = torch.randn(y.shape[0], tr.style_dim, generator=torch.Generator().manual_seed(0))
        return tr.translate_batch(y, styles, "b2a")

    munit = isinstance(model, (Translator, tuple, list)) or hasattr(getattr(model, "gen_a", None), "encode_content")
    return OpenMojiModel(name or ("munit" if munit else type(model).__name__.lower()), tr.style_dim,
                         a2b=tr.translate_batch, b2a=b2a if tr.can_translate("b2a") else None,
                         encode_b=tr.encode_style_batch if tr.can_encode_style("a2b") else None)


def _batched(fn: Callable, *tensors: torch.Tensor, batch: int = 64) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([fn(*(t[i:i + batch] for t in tensors)).float()
                          for i in range(0, tensors[0].shape[0], batch)])


def _styles(n: int, style_dim: int, seed: int) -> torch.Tensor:
    return torch.randn(n, style_dim, generator=torch.Generator().manual_seed(seed))


# ----------------------------------------------------------------------------- the measures
def stroke_mask(images: torch.Tensor, threshold: float = 0.3) -> torch.Tensor:
    """The dark strokes of images in [-1, 1]: pixels whose every channel is below ``threshold``
    (in [0, 1]), (N, H, W) bool. OpenMoji draws its lines in black (#000000)."""
    return _unit(images).amax(1) < threshold


def line_art_kept(outputs: torch.Tensor, truth: torch.Tensor) -> float:
    """Mean IoU of the strokes of ``outputs`` and of ``truth`` (both (N, 3, H, W) in [-1, 1])."""
    if outputs.shape != truth.shape:
        raise ValueError(f"outputs {tuple(outputs.shape)} and truth {tuple(truth.shape)} differ in shape")
    a, b = stroke_mask(outputs), stroke_mask(truth)
    inter = (a & b).flatten(1).sum(1).float()
    union = (a | b).flatten(1).sum(1).float()
    return float(torch.where(union > 0, inter / union.clamp_min(1), torch.ones_like(union)).mean())


def read_tones(images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """The tone of each image over its skin mask: 0-4 for tones 1-5, 5 for the untoned yellow.

    images (N, 3, H, W) in [-1, 1]; masks (N, H, W) bool. The median colour of the masked pixels
    goes to the nearest of ``TONE_COLOURS`` (Euclidean, RGB in [0, 1])."""
    rgb = _unit(images).permute(0, 2, 3, 1)  # (N, H, W, 3)
    medians = torch.stack([rgb[i][masks[i]].median(0).values for i in range(rgb.shape[0])])  # (N, 3)
    return torch.cdist(medians, TONE_COLOURS).argmin(1)  # (N,)


def tones_reached(model: OpenMojiModel, data: OpenMojiTestSet, n_styles: int = 16, seed: int = 0) -> float:
    """Mean number of the 5 skin tones that ``n_styles`` random styles give each toned test emoji."""
    if n_styles < 1:
        raise ValueError(f"n_styles must be at least 1, got {n_styles}")
    idx = data.toned
    if not idx:
        raise ValueError("no test emoji with a skin tone and a usable skin mask")
    x = data.line_art[idx].repeat_interleave(n_styles, 0)  # (n * S, 3, H, W)
    s = _styles(x.shape[0], max(model.style_dim, 0), seed)
    tones = read_tones(_batched(model.a2b, x, s), data.masks(idx).repeat_interleave(n_styles, 0))
    tones = tones.view(len(idx), n_styles)
    return float(np.mean([len({int(t) for t in row if t < 5}) for row in tones]))


def _references(data: OpenMojiTestSet, seed: int) -> tuple[list[int], list[int], list[int]]:
    """For every toned input and every tone 1-5: (input, reference, tone), the reference a random
    emoji of that tone from *another* family (so the reference's drawing cannot give the answer)."""
    rng = np.random.default_rng(seed)
    idx = data.toned
    by_tone = {t: [i for i in idx if data.records[i].skintone == t] for t in range(1, 6)}
    inputs, refs, tones = [], [], []
    for i in idx:
        for t in range(1, 6):
            pool = [j for j in by_tone[t] if data.records[j].base_hexcode != data.records[i].base_hexcode]
            if pool:
                inputs.append(i)
                refs.append(int(rng.choice(pool)))
                tones.append(t - 1)
    return inputs, refs, tones


def guided_tone_confusion(model: OpenMojiModel, data: OpenMojiTestSet, seed: int = 0) -> Optional[torch.Tensor]:
    """Counts of example-guided translations by the reference's tone (rows, tones 1-5) and the tone
    read from the output (columns: tones 1-5, then the untoned yellow), int64 (5, 6); None when the
    model takes no reference. Every toned input is translated with a reference of each of the five
    tones, so each row sums to the number of toned inputs (less any with no reference of that tone)."""
    if model.encode_b is None:
        return None
    inputs, refs, tones = _references(data, seed)
    if not inputs:
        raise ValueError("no test emoji with a skin tone and a usable skin mask")
    styles = _batched(model.encode_b, data.colour[refs])
    outputs = _batched(model.a2b, data.line_art[inputs], styles)
    read = read_tones(outputs, data.masks(inputs))  # (n,) in 0-5
    counts = torch.zeros(5 * 6, dtype=torch.long)
    counts.index_add_(0, torch.tensor(tones) * 6 + read, torch.ones_like(read))  # cell (tone, read) of a (5, 6) table
    return counts.view(5, 6)


def guided_tone_accuracy(model: OpenMojiModel, data: OpenMojiTestSet, seed: int = 0) -> Optional[float]:
    """Share of example-guided translations whose tone is the reference's (None: the model takes no
    reference): the diagonal of :func:`guided_tone_confusion` over its total."""
    confusion = guided_tone_confusion(model, data, seed)
    if confusion is None:
        return None
    return tone_confusion_summary(confusion)["exact"]


def tone_confusion_summary(confusion: torch.Tensor) -> dict:
    """What a :func:`guided_tone_confusion` table (5, 6) says beyond its diagonal: ``exact`` (guided
    tone accuracy, the diagonal over the total), ``within_one`` (the share read at most one tone step
    from the reference's, yellow counted as a miss) and ``mean_read`` (for each reference tone 1-5, the
    mean tone read, 1-5, over the outputs read as a tone: yellow left out; NaN where there are none)."""
    if tuple(confusion.shape) != (5, 6):
        raise ValueError(f"a guided tone confusion table is (5, 6), got {tuple(confusion.shape)}")
    total = float(confusion.sum())
    toned = confusion[:, :5].double()  # (5, 5): reference tone x tone read
    steps = (torch.arange(5).view(5, 1) - torch.arange(5).view(1, 5)).abs()  # |reference - read| in steps
    return {"exact": float(confusion.diagonal().sum() / confusion.sum()),  # torch's division, as scores.json has it
            "within_one": float(toned[steps <= 1].sum()) / total,
            "mean_read": ((toned * torch.arange(1, 6)).sum(1) / toned.sum(1)).tolist()}


def own_style_tone_accuracy(model: OpenMojiModel, data: OpenMojiTestSet) -> Optional[float]:
    """Share of toned emoji whose tone comes back when the style is encoded from their own true
    colouring (None: no encoder). Beside ``guided_tone_accuracy`` it tells the two halves apart: a
    style code that holds the tone but cannot be moved to another drawing scores high here only."""
    if model.encode_b is None:
        return None
    idx = data.toned
    outputs = _batched(model.a2b, data.line_art[idx], _batched(model.encode_b, data.colour[idx]))
    truth = torch.tensor([data.records[i].skintone - 1 for i in idx])
    return float((read_tones(outputs, data.masks(idx)) == truth).float().mean())


def style_tone_probe(model: OpenMojiModel, train: OpenMojiTestSet, test: OpenMojiTestSet) -> Optional[float]:
    """Does the style code hold the skin tone at all? A nearest-class-mean probe: the mean style code
    of each tone over the training split's toned colourings, then the share of the test split's
    toned colourings whose code is nearest to their own tone's mean (chance 0.2; None: no encoder)."""
    if model.encode_b is None:
        return None
    train_idx = [i for i, r in enumerate(train.records) if 1 <= r.skintone <= 5]
    codes = _batched(model.encode_b, train.colour[train_idx])  # (n, style_dim)
    labels = torch.tensor([train.records[i].skintone - 1 for i in train_idx])
    means = torch.stack([codes[labels == t].mean(0) for t in range(5)])  # (5, style_dim)
    test_idx = [i for i, r in enumerate(test.records) if 1 <= r.skintone <= 5]
    guess = torch.cdist(_batched(model.encode_b, test.colour[test_idx]), means).argmin(1)
    truth = torch.tensor([test.records[i].skintone - 1 for i in test_idx])
    return float((guess == truth).float().mean())


def palette_fidelity(images: torch.Tensor, tolerance: float = 0.08) -> float:
    """Mean share of pixels within ``tolerance`` (max over R, G, B, in [0, 1]) of a palette colour."""
    rgb = _unit(images).permute(0, 2, 3, 1).reshape(-1, 1, 3)  # (N*H*W, 1, 3)
    near = torch.cat([(part - PALETTE).abs().amax(-1).amin(-1) < tolerance for part in rgb.split(1 << 16)])
    return float(near.float().mean())


def own_style_l1(model: OpenMojiModel, data: OpenMojiTestSet) -> float:
    """Mean |a2b(line art, style of the true colouring) - true colouring| in [-1, 1] units: for a
    model without an encoder, its output with style 0 (its only or its average colouring)."""
    if model.encode_b is not None:
        styles = _batched(model.encode_b, data.colour)
    else:
        styles = torch.zeros(len(data), max(model.style_dim, 0))
    return float((_batched(model.a2b, data.line_art, styles) - data.colour).abs().mean())


# ----------------------------------------------------------------------------- all of it
def score_openmoji(model, data: Optional[OpenMojiTestSet] = None, n_styles: int = 16, classifier=None,
                   diversity_inputs: int = 100, diversity_pairs: int = 19, seed: int = 0,
                   train: Optional[OpenMojiTestSet] = None) -> dict:
    """Every measure of this module for one model on the test split, as one dict (JSON-ready).

    ``classifier`` (default: the shipped group classifier, when it is on disk) adds the diversity
    by the paper's protocol in its feature space, the Frechet distance to the true colourings, IS
    and CIS; without it those are left out and the pixel-L1 diversity stands alone. ``train`` (the
    training split) adds ``style_tone_probe``."""
    m = openmoji_model(model)
    data = data if data is not None else load_openmoji_split()
    n = len(data)
    styles = _styles(n, max(m.style_dim, 0), seed)
    outputs = _batched(m.a2b, data.line_art, styles)  # one random colouring per test emoji
    scores = {
        "model": m.name, "n_test": n, "n_toned": len(data.toned), "n_styles": int(n_styles),
        "line_art_kept_a2b": line_art_kept(outputs, data.colour),
        "line_art_kept_b2a": (line_art_kept(_batched(m.b2a, data.colour), data.line_art)
                              if m.b2a is not None else None),
        "tones_reached": tones_reached(m, data, n_styles, seed),
        "guided_tone_accuracy": guided_tone_accuracy(m, data, seed),
        "own_style_tone_accuracy": own_style_tone_accuracy(m, data),
        "style_tone_probe": style_tone_probe(m, train, data) if train is not None else None,
        "palette_fidelity": palette_fidelity(outputs),
        "own_style_l1": own_style_l1(m, data),
    }
    if classifier is None:
        classifier = load_openmoji_classifier() if openmoji_classifier_path().is_file() else None
    scores.update(openmoji_diversity(m, data, classifier, diversity_inputs, diversity_pairs, seed))
    if classifier is not None:
        inputs = _diversity_inputs(data, diversity_inputs, seed)
        scores.update(_classifier_scores(m, data, outputs, inputs, classifier, n_styles, seed))
    return scores


def _diversity_inputs(data: OpenMojiTestSet, n_inputs: int, seed: int) -> torch.Tensor:
    """The line art of ``n_inputs`` test emoji drawn at random with ``seed`` (all of them if fewer)."""
    pick = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))[:min(int(n_inputs), len(data))]
    return data.line_art[pick]


def openmoji_diversity(model, data: OpenMojiTestSet, classifier=None, n_inputs: int = 100, n_pairs: int = 19,
                       seed: int = 0) -> dict:
    """The paper's diversity protocol (``protocol_diversity``) on ``n_inputs`` random test drawings with
    ``n_pairs`` pairs of random styles each: ``diversity_l1``, the mean pixel L1 distance within a pair,
    and with a ``classifier`` ``diversity_features``, the distance in its features. Each pair is
    translated once for both."""
    m = openmoji_model(model)
    distances = {"diversity_l1": pixel_l1_distance}
    if classifier is not None:
        classifier.eval()
        distances["diversity_features"] = classifier.feature_distance
    inputs = _diversity_inputs(data, n_inputs, seed)
    result = protocol_diversity(m.a2b, inputs, distances, m.style_dim, n_pairs, seed)
    return {name: r.mean for name, r in result.items()}


def _classifier_scores(m: OpenMojiModel, data: OpenMojiTestSet, outputs: torch.Tensor, inputs: torch.Tensor,
                       classifier, n_styles: int, seed: int) -> dict:
    """The Frechet distance to the true colourings, IS and CIS, in the classifier's eyes."""
    with torch.no_grad():
        fd = frechet_distance(classifier.features(outputs), classifier.features(data.colour))
        x = inputs.repeat_interleave(n_styles, 0)  # (k * S, 3, H, W)
        many = _batched(m.a2b, x, _styles(x.shape[0], max(m.style_dim, 0), seed + 1))
        probs = classifier.probabilities(many).view(inputs.shape[0], n_styles, -1)  # (k, S, groups)
    return {"frechet": fd, "inception_score": inception_score(probs), "cis": conditional_inception_score(probs)}
