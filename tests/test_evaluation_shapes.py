"""The shapes ground truth read back from pixels (munit_lib.evaluation.shapes) and a model scored with it
(munit_lib.evaluation.shapes_score): each reader is checked against the shapes generator's own records,
then each measure on constructed cases whose answer is known."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from munit_lib.evaluation import shapes as M
from munit_lib.evaluation import shapes_score as S
from munit_lib.data import (PALETTE, TEXTURES, ShapeGeometry, ShapesDomain, ShapeStyle, image_to_tensor,
                            render_painting, render_sketch)

N = 200  # samples per size in the validation of the readers


@pytest.fixture(scope="module", params=[32, 64])
def samples(request):
    """N sketches and N paintings (test split, seed 11) with their ground truth, at one size."""
    size = request.param
    a, b = ShapesDomain("a", "test", size, N, seed=11), ShapesDomain("b", "test", size, N, seed=11)
    return {
        "size": size,
        "a": torch.stack([a[i] for i in range(N)]), "b": torch.stack([b[i] for i in range(N)]),
        "gt_a": [a.ground_truth(i) for i in range(N)], "gt_b": [b.ground_truth(i) for i in range(N)],
    }


def as_tensor(img: np.ndarray) -> torch.Tensor:
    return image_to_tensor(img)


# ----------------------------------------------------------------------------- readers vs ground truth
def test_sketch_mask_matches_ground_truth(samples):
    truth = torch.from_numpy(np.stack([g.mask() for g in samples["gt_a"]]))
    iou = np.array(M.mask_iou(M.sketch_mask(samples["a"]), truth))
    assert iou.mean() >= 0.98 and iou.min() >= 0.9, (iou.mean(), iou.min())


def test_painting_mask_matches_ground_truth(samples):
    truth = torch.from_numpy(np.stack([g.mask() for g in samples["gt_b"]]))
    iou = np.array(M.mask_iou(M.painting_mask(samples["b"]), truth))
    assert iou.mean() >= 0.97 and iou.min() >= 0.9, (iou.mean(), iou.min())


def test_colour_and_texture_readers_match_ground_truth(samples):
    colours = M.classify_colour(samples["b"])
    textures = M.classify_texture(samples["b"], colour=colours)
    colour_acc = np.mean([c == g.colour for c, g in zip(colours, samples["gt_b"])])
    texture_acc = np.mean([t == g.texture for t, g in zip(textures, samples["gt_b"])])
    assert colour_acc >= 0.95 and texture_acc >= 0.95, (colour_acc, texture_acc)
    assert set(colours) == set(PALETTE) and set(textures) == set(TEXTURES)  # every class was seen and read
    # the readers find the mask themselves, or use a given one (the ground truth here)
    truth = np.stack([g.mask() for g in samples["gt_b"][:20]])
    assert M.classify_texture(samples["b"][:20], truth) == textures[:20]


def test_texture_statistics_are_what_the_texture_reader_reads(samples):
    stats = M.texture_statistics(samples["b"])
    truth = [g.texture for g in samples["gt_b"]]
    f = {t: np.array([fs[0] for fs, g in zip(stats, truth) if g == t]) for t in TEXTURES}
    s = {t: np.array([fs[1] for fs, g in zip(stats, truth) if g == t]) for t in TEXTURES}
    assert np.median(f["solid"]) < 0.08 < min(np.median(f[t]) for t in ("stripes", "dots", "checks"))
    # the ordering the thresholds rest on: stripes ~ 1 > dots ~ 1/3 > checks ~ 0
    assert np.median(s["stripes"]) > 0.95 and 0.22 < np.median(s["dots"]) < 0.8 and np.median(s["checks"]) < 0.22
    # the reader's classes follow from the two numbers
    for (fi, si), label in zip(stats, M.classify_texture(samples["b"])):
        assert label == ("solid" if fi < 0.08 else "stripes" if si > 0.8 else "dots" if si > 0.22 else "checks")
    blank = np.full((32, 32, 3), 250, dtype=np.uint8)
    assert all(np.isnan(v) for v in M.texture_statistics(blank))  # no shape: no statistics


def test_readers_take_every_image_format():
    geom = ShapeGeometry("star", 0.5, 0.5, 0.26, 12.0)
    img, mask = render_painting(geom, ShapeStyle("cyan", "checks", "cream"), 48)
    forms = [img, Image.fromarray(img), as_tensor(img), torch.from_numpy(img).permute(2, 0, 1)]
    for form in forms:
        m = M.painting_mask(form)
        assert m.shape == (48, 48) and m.dtype == torch.bool
        assert M.classify_colour(form) == "cyan" and M.classify_texture(form) == "checks"
    both = M.painting_mask([img, img])
    assert both.shape == (2, 48, 48) and torch.equal(both[0], torch.from_numpy(mask))
    assert M.classify_colour(as_tensor(img)[None]) == ["cyan"]
    sketch, _ = render_sketch(geom, 48)
    gray = torch.from_numpy(sketch[..., :1]).permute(2, 0, 1).float() / 127.5 - 1  # one channel
    assert torch.equal(M.sketch_mask(gray), M.sketch_mask(sketch))
    with pytest.raises(TypeError, match="uint8"):
        M.painting_mask(img.astype(np.float32))
    with pytest.raises(ValueError, match="unknown domain"):
        M.shape_mask(img, "c")
    with pytest.raises(ValueError, match="known colours"):
        M.classify_texture(img, colour="teal")


def test_blank_images_have_no_shape():
    blank = np.full((32, 32, 3), 250, dtype=np.uint8)
    assert not M.sketch_mask(blank).any() and not M.painting_mask(blank).any()
    assert M.classify_colour(blank) is None and M.classify_texture(blank) is None


def test_texture_reader_warns_below_its_minimum_size():
    small = torch.zeros(3, 16, 16)
    with pytest.warns(UserWarning, match="validated from 32 px"):
        M.classify_texture(small)


# ----------------------------------------------------------------------------- measures
def test_content_iou_ideal_translation_and_shifted_shape():
    rng = np.random.default_rng(0)
    geoms = [ShapeGeometry(k, 0.5, 0.5, 0.24, float(rng.uniform(0, 360)))
             for k in ("circle", "square", "triangle", "star", "hexagon", "cross")]
    style = ShapeStyle("blue", "stripes", "white")
    sketches = torch.stack([as_tensor(render_sketch(g, 64)[0]) for g in geoms])
    ideal = torch.stack([as_tensor(render_painting(g, style, 64)[0]) for g in geoms])  # same geometry
    a2b = M.content_iou(sketches, "a", ideal, "b")
    assert a2b["mean"] > 0.97 and len(a2b["per_pair"]) == 6 and all(v > 0.95 for v in a2b["per_pair"])
    assert isinstance(a2b["mean"], float) and all(isinstance(v, float) for v in a2b["per_pair"])
    b2a = M.content_iou(ideal, "painting", sketches, "sketch")  # the other direction
    assert b2a["mean"] > 0.97
    shifted = [ShapeGeometry(g.kind, 0.5 + 0.3, 0.5, 0.15, g.rotation) for g in geoms]
    moved = torch.stack([as_tensor(render_painting(g, style, 64)[0]) for g in shifted])
    assert M.content_iou(sketches, "a", moved, "b")["mean"] < 0.2
    other_kind = [ShapeGeometry("cross" if g.kind != "cross" else "circle", 0.5, 0.5, 0.24, 45.0) for g in geoms]
    wrong = torch.stack([as_tensor(render_painting(g, style, 64)[0]) for g in other_kind])
    assert 0.3 < M.content_iou(sketches, "a", wrong, "b")["mean"] < 0.9  # overlapping, not the same shape
    with pytest.raises(ValueError, match="one per source"):
        M.content_iou(sketches, "a", ideal[:3], "b")


def test_style_diversity_counts_colours_textures_and_styles():
    geom = ShapeGeometry("hexagon", 0.5, 0.5, 0.27, 5.0)
    every = [render_painting(geom, ShapeStyle(c, t, "white"), 64)[0] for c in PALETTE for t in TEXTURES]
    full = M.style_diversity(every)
    assert full["n_outputs"] == 32 and full["n_colours"] == 8 and full["colour_coverage"] == 1.0
    assert full["n_textures"] == 4 and full["texture_coverage"] == 1.0
    assert full["n_styles"] == 32 and full["style_coverage"] == 1.0
    assert full["colours"] == list(PALETTE) and full["textures"] == list(TEXTURES)
    eight = M.style_diversity([render_painting(geom, ShapeStyle(c, "solid", "cream"), 64)[0] for c in PALETTE])
    assert eight["n_colours"] == 8 and eight["n_textures"] == 1 and eight["textures"] == ["solid"]
    same = M.style_diversity(torch.stack([as_tensor(every[5])] * 6))
    assert same["n_colours"] == 1 and same["n_textures"] == 1 and same["colour_coverage"] == 1 / 8
    collapsed = M.style_diversity(np.full((4, 64, 64, 3), 255, dtype=np.uint8))  # blank outputs: no style
    assert collapsed["n_colours"] == 0 and collapsed["n_styles"] == 0


def test_example_guided_fidelity():
    rng = np.random.default_rng(1)
    geoms = [ShapeGeometry("square", 0.5, 0.5, 0.25, float(r)) for r in rng.uniform(0, 90, 8)]
    refs_style = [ShapeStyle(c, TEXTURES[i % 4], "white") for i, c in enumerate(PALETTE)]
    references = [render_painting(ShapeGeometry("circle", 0.4, 0.6, 0.22, 0), s, 64)[0] for s in refs_style]
    faithful = [render_painting(g, s, 64)[0] for g, s in zip(geoms, refs_style)]  # other shape, same style
    score = M.example_guided_fidelity(faithful, references)
    assert score == {"colour": 1.0, "texture": 1.0, "both": 1.0, "n": 8}
    rolled = refs_style[1:] + refs_style[:1]  # every output takes its neighbour's style
    assert M.example_guided_fidelity([render_painting(g, s, 64)[0] for g, s in zip(geoms, rolled)],
                                     references)["colour"] == 0.0
    half = [s if i % 2 == 0 else ShapeStyle(rolled[i].colour, s.texture, "cream") for i, s in enumerate(refs_style)]
    score = M.example_guided_fidelity([render_painting(g, s, 64)[0] for g, s in zip(geoms, half)], references)
    assert score["colour"] == 0.5 and score["texture"] == 1.0 and score["both"] == 0.5
    with pytest.raises(ValueError, match="one reference per output"):
        M.example_guided_fidelity(faithful, references[:3])


# ----------------------------------------------------------------------------- where the factors live
def test_factor_probes_find_nothing_in_a_constant_style_code():
    from munit_lib import Generator, MUNITConfig
    from munit_lib.evaluation.shapes_score import factor_probes

    torch.manual_seed(0)
    gen = Generator(MUNITConfig.profile_named("ci"))  # 32 x 32
    plain_encode = gen.encode
    gen.encode = lambda x: (plain_encode(x)[0], torch.zeros(x.shape[0], gen.cfg.style_dim))  # style: constant
    probes = factor_probes(gen, n_train=120, n_test=80)
    assert set(probes) == {"style_colour", "style_texture", "content_colour", "content_texture"}
    assert probes["style_colour"] < 0.3 and probes["style_texture"] < 0.45  # one class for all: its share
    assert all(0.0 <= v <= 1.0 for v in probes.values())


def test_a_gap_in_a_sketch_outline_leaves_only_the_line():
    """Why score_shapes_model reports open_outlines_b2a: the sketch reader fills the background from
    the border, so a gap of a few pixels lets the fill inside and only the line counts as the shape."""
    geom = ShapeGeometry("square", 0.5, 0.5, 0.25, 0.0)
    sketch, truth = render_sketch(geom, 64)
    painting = image_to_tensor(render_painting(geom, ShapeStyle("red", "solid", "white"), 64)[0])  # the source
    opened = sketch.copy()
    rows = np.nonzero(truth.any(1))[0]
    opened[rows[0] - 1:rows[0] + 4, 30:34] = 255  # erase 4 px of the top edge
    closed = M.content_iou(painting, "b", image_to_tensor(sketch), "a")["mean"]
    gap = M.content_iou(painting, "b", image_to_tensor(opened), "a")["mean"]
    assert closed > 0.95 and gap < 0.5


# ----------------------------------------------------------------------------- coverage: shared and fresh styles
class ColourLottery(torch.nn.Module):
    """A painter that samples colours exactly as the data do: each style code paints the sketch's
    shape (``sketch_mask``) solid in one of the 8 colours, ``floor(8 Phi(s_0))``, so a code from
    N(0, I) gives every colour with probability 1/8. It cannot translate b -> a."""

    can_decode = False
    style_dim = 8

    def __init__(self) -> None:
        super().__init__()
        self.cfg = type("Cfg", (), {"style_dim": 8, "image_size": 64, "texture_anchor": "shape",
                                    "generator_min_size": 4, "size_multiple": 4})()
        self.data_record = {"root": "shapes", "texture_anchor": "shape"}  # what the loaders attach
        self.dummy = torch.nn.Parameter(torch.zeros(()))  # a parameter, so the scorer finds a device

    @staticmethod
    def colour_index(s: torch.Tensor) -> torch.Tensor:
        return (torch.special.ndtr(s[:, 0]) * len(PALETTE)).long().clamp(0, len(PALETTE) - 1)  # (B,)

    def encode_content(self, x):
        return x

    def encode_style(self, x):
        return torch.zeros(x.shape[0], 8)

    def encode(self, x):
        return self.encode_content(x), self.encode_style(x)

    def decode(self, c, s):
        s = s.expand(c.shape[0], -1)
        palette = torch.tensor(list(PALETTE.values()), dtype=torch.float32) / 127.5 - 1  # (8, 3) in [-1, 1]
        colour = palette[self.colour_index(s)].view(-1, 3, 1, 1)  # (B, 3, 1, 1)
        return torch.where(M.sketch_mask(c).unsqueeze(1), colour, torch.ones_like(c))


def test_shared_styles_are_one_draw_and_fresh_styles_estimate_the_expected_coverage():
    gen = ColourLottery()
    ideal = S.ideal_coverage(8, 16)
    assert ideal == pytest.approx(1 - (7 / 8) ** 16) and S.ideal_style_coverage(64) == S.ideal_coverage(32, 64)
    shared, fresh = [], []
    for seed in range(3):
        s = S.score_shapes_model(gen, gen, n=48, num_styles=16, seed=seed, pair_styles=64, pair_inputs=4)
        # the shared measure is the colours of the scorer's one draw of 16 codes, the same for every sketch
        codes = torch.randn(16, 8, generator=torch.Generator().manual_seed(seed))
        assert s["colour_coverage"] == pytest.approx(len(set(gen.colour_index(codes).tolist())) / 8)
        assert s["colour_coverage_ideal"] == pytest.approx(ideal)
        assert s["colour_coverage_fresh"] == pytest.approx(ideal, abs=0.05)  # 48 draws average out
        assert s["texture_coverage_fresh"] == s["texture_coverage"] == 0.25  # solid only
        assert s["pair_coverage_fresh"] == pytest.approx(S.ideal_coverage(8, 64) / 4, abs=0.02)
        shared.append(s["colour_coverage"])
        fresh.append(s["colour_coverage_fresh"])
    assert max(shared) - min(shared) >= 0.125  # one lucky or unlucky draw moves it by whole colours
    assert max(fresh) - min(fresh) < 0.06
    with pytest.raises(ValueError, match="n_classes >= 1"):
        S.ideal_coverage(0, 16)


# ----------------------------------------------------------------------------- coverage references
@pytest.mark.parametrize("styles, expected", [(1, 1 / 32), (16, 1 - (31 / 32) ** 16), (64, 1 - (31 / 32) ** 64)])
def test_ideal_style_coverage_is_the_expected_share_of_pairs(styles, expected):
    assert S.ideal_style_coverage(styles) == pytest.approx(expected)


def test_ideal_style_coverage_matches_sampling_real_paintings():
    """Real test paintings are draws from the data's style distribution: 16 of them reach, on
    average, the share of the 32 pairs that ``ideal_style_coverage(16)`` predicts."""
    paintings = ShapesDomain("b", "test", 32, 320, 3)
    x = torch.stack([paintings[i] for i in range(320)])
    reached = [M.style_diversity(x[i:i + 16])["style_coverage"] for i in range(0, 320, 16)]  # 20 groups
    mean = sum(reached) / len(reached)
    assert abs(mean - S.ideal_style_coverage(16)) < 0.05  # sd of one group's share ~0.05; of 20: ~0.012
    assert max(reached) <= 0.5  # 16 outputs cannot reach more than 16 of the 32 pairs
