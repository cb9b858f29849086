"""munit_lib.evaluation on inputs with known answers: the diversity protocol, IS / CIS, the
Fréchet distance, and the shapes classifier (architecture, files, the shipped weights' accuracy)."""
from __future__ import annotations

import math

import pytest
import torch

from munit_lib.evaluation import (FeatureDistance, ShapesClassifier, classifier_feature_distance,
                                  conditional_inception_score, draw_style_pairs, evaluate_accuracy,
                                  feature_statistics, frechet_distance, frechet_distance_from_statistics,
                                  inception_score, load_shapes_classifier, pixel_l1_distance, protocol_diversity,
                                  save_shapes_classifier, sqrtm_psd)
from munit_lib.evaluation.classifier import ShapesFactorDataset, classifier_path
from munit_test_helpers import load_repo_file, random_images


def random_backbone(seed: int = 0):
    """A two-layer conv backbone of random weights: the plumbing of LPIPS without its weights."""
    torch.manual_seed(seed)
    convs = torch.nn.ModuleList([torch.nn.Conv2d(3, 6, 3, 2, 1), torch.nn.Conv2d(6, 5, 3, 2, 1)]).eval()

    @torch.no_grad()
    def backbone(x):
        maps = []
        for conv in convs:
            x = torch.relu(conv(x))
            maps.append(x)
        return maps

    return backbone


# ----------------------------------------------------------------------------- diversity
def style_ignoring_translate(x, styles):
    """A unimodal 'model': the output does not depend on the style."""
    return torch.tanh(x * 2)


def style_painting_translate(x, styles):
    """Output = input shifted by the style's first two numbers: different styles, different outputs."""
    return x + styles[:, :3, None, None] if styles.shape[1] >= 3 else x + styles[:, :1, None, None]


def test_identical_outputs_give_zero_diversity():
    inputs = random_images((4, 3, 16, 16), 0)
    distance = FeatureDistance(random_backbone())
    result = protocol_diversity(style_ignoring_translate, inputs, distance, style_dim=8, n_pairs=5)
    assert result.mean == 0.0 and result.std == 0.0
    assert result.per_input == [0.0] * 4


def test_styles_that_change_outputs_give_positive_diversity():
    inputs = random_images((3, 3, 16, 16), 1)
    result = protocol_diversity(style_painting_translate, inputs, pixel_l1_distance, style_dim=3, n_pairs=4)
    assert result.mean > 0.1
    # the pixel L1 between x + s1 and x + s2 is the mean of |s1 - s2| over channels: checkable by hand
    styles = draw_style_pairs(3, 4, 3, seed=0)  # (3, 4, 2, 3)
    expected = (styles[:, :, 0] - styles[:, :, 1]).abs().mean(-1)  # (3, 4)
    assert result.mean == pytest.approx(float(expected.mean()), rel=1e-5)
    assert result.per_input == pytest.approx(expected.mean(1).tolist(), rel=1e-5)


def test_protocol_draws_n_inputs_times_n_pairs_pairs_each_from_two_fresh_styles():
    n_inputs, n_pairs, dim = 5, 19, 4
    inputs = torch.arange(n_inputs, dtype=torch.float32).view(n_inputs, 1, 1, 1).expand(-1, 3, 2, 2).contiguous()
    seen_inputs, seen_styles = [], []

    def translate(x, styles):
        seen_inputs.append(x[:, 0, 0, 0].clone())
        seen_styles.append(styles.clone())
        return x.clone()

    calls = []

    def distance(y1, y2):
        calls.append(y1.shape[0])
        return torch.zeros(y1.shape[0])

    result = protocol_diversity(translate, inputs, distance, style_dim=dim, n_pairs=n_pairs, batch=7)
    assert sum(calls) == n_inputs * n_pairs  # one distance per pair
    assert (result.n_inputs, result.n_pairs) == (n_inputs, n_pairs)
    # two translations per pair: 2 * N * P outputs in all, each input used 2 * P times
    which = torch.cat(seen_inputs)
    assert which.numel() == 2 * n_inputs * n_pairs
    assert torch.bincount(which.long()).tolist() == [2 * n_pairs] * n_inputs
    styles = torch.cat(seen_styles)  # every style drawn once: all 2 N P distinct
    assert torch.unique(styles, dim=0).shape[0] == 2 * n_inputs * n_pairs


def test_protocol_is_reproducible_by_seed_and_rejects_bad_distances():
    inputs = random_images((2, 3, 8, 8), 2)
    a = protocol_diversity(style_painting_translate, inputs, pixel_l1_distance, 3, n_pairs=3, seed=5)
    b = protocol_diversity(style_painting_translate, inputs, pixel_l1_distance, 3, n_pairs=3, seed=5)
    c = protocol_diversity(style_painting_translate, inputs, pixel_l1_distance, 3, n_pairs=3, seed=6)
    assert a.mean == b.mean and a.mean != c.mean
    with pytest.raises(ValueError, match="one distance per pair"):
        protocol_diversity(style_painting_translate, inputs, lambda y1, y2: torch.zeros(1), 3, n_pairs=3)
    with pytest.raises(ValueError, match="n_pairs"):
        draw_style_pairs(2, 0, 3)


def test_several_distances_share_one_translation_of_each_pair():
    """Distances by name: each pair is translated once, and each distance's result is what it gives alone."""
    inputs = random_images((5, 3, 8, 8), 3)
    calls = []

    def counted(x, styles):
        calls.append(x.shape[0])
        return style_painting_translate(x, styles)

    features = FeatureDistance(random_backbone(1))
    both = protocol_diversity(counted, inputs, {"l1": pixel_l1_distance, "features": features}, 3, n_pairs=4,
                              seed=2, batch=6)
    assert sum(calls) == 2 * 5 * 4  # two outputs per pair, once for both distances
    for name, distance in (("l1", pixel_l1_distance), ("features", features)):
        alone = protocol_diversity(style_painting_translate, inputs, distance, 3, n_pairs=4, seed=2, batch=6)
        assert both[name].mean == alone.mean and both[name].per_input == alone.per_input, name
    with pytest.raises(ValueError, match="distance 'bad' returned 1 values"):
        protocol_diversity(style_painting_translate, inputs, {"l1": pixel_l1_distance,
                                                              "bad": lambda y1, y2: torch.zeros(1)}, 3, n_pairs=2)
    with pytest.raises(ValueError, match="no distance"):
        protocol_diversity(style_painting_translate, inputs, {}, 3, n_pairs=2)


def test_feature_distance_is_the_lpips_formula():
    """With an identity backbone (one layer = the image) the formula can be written out by hand."""
    x, y = random_images((2, 3, 4, 5), 3), random_images((2, 3, 4, 5), 4)
    weights = [torch.tensor([1.0, 2.0, 0.5])]
    d = FeatureDistance(lambda im: [im], weights=weights)(x, y)
    xn = x / (x.norm(dim=1, keepdim=True) + 1e-10)
    yn = y / (y.norm(dim=1, keepdim=True) + 1e-10)
    by_hand = ((xn - yn) ** 2 * weights[0].view(1, 3, 1, 1)).sum(1).mean((1, 2))
    torch.testing.assert_close(d, by_hand)
    summed = FeatureDistance(lambda im: [im], weights=weights, spatial_average=False)(x, y)
    torch.testing.assert_close(summed, by_hand * 20)  # 4 x 5 positions: the variant that inflates


def test_feature_distance_with_random_backbone_is_a_distance():
    distance = FeatureDistance(random_backbone(1))
    x, y = random_images((3, 3, 16, 16), 5), random_images((3, 3, 16, 16), 6)
    assert torch.equal(distance(x, x), torch.zeros(3))
    assert (distance(x, y) > 0).all()
    torch.testing.assert_close(distance(x, y), distance(y, x))
    with pytest.raises(ValueError, match="differ in shape"):
        distance(x, y[:2])


def test_lpips_is_optional_and_named_in_the_error():
    from munit_lib.evaluation import lpips_distance

    try:
        import lpips  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match=r"munit_lib\[metrics\]"):
            lpips_distance()
    else:
        pytest.skip("lpips is installed; its weights are never fetched by tests")


def test_lpips_distance_calls_the_package_as_documented(monkeypatch):
    """With a stand-in ``lpips`` module (no weights, no network): the network and the linear layers
    are chosen as asked, and the (B, 1, 1, 1) spatial averages come back as (B,)."""
    import sys
    import types

    from munit_lib.evaluation import lpips_distance

    made = {}

    class FakeLPIPS(torch.nn.Module):
        def __init__(self, net="alex", lpips=True, verbose=True, **kwargs):
            super().__init__()
            made.update(net=net, lpips=lpips)

        def forward(self, a, b):
            return (a - b).pow(2).mean((1, 2, 3)).view(-1, 1, 1, 1)

    monkeypatch.setitem(sys.modules, "lpips", types.SimpleNamespace(LPIPS=FakeLPIPS))
    d = lpips_distance(net="vgg", linear=False)
    x, y = random_images((3, 3, 8, 8), 12), random_images((3, 3, 8, 8), 13)
    out = d(x, y)
    assert made == {"net": "vgg", "lpips": False} and out.shape == (3,)
    torch.testing.assert_close(out, (x - y).pow(2).mean((1, 2, 3)))
    diversity = protocol_diversity(style_painting_translate, x, d, style_dim=3, n_pairs=2)
    assert diversity.mean > 0 and diversity.n_pairs == 2


# ----------------------------------------------------------------------------- IS and CIS
def test_uniform_classifier_gives_is_one():
    probs = torch.full((50, 10), 0.1)
    assert inception_score(probs) == pytest.approx(1.0)
    assert inception_score(probs.view(5, 10, 10)) == pytest.approx(1.0)


def test_perfect_balanced_classifier_gives_is_number_of_classes():
    k = 6
    probs = torch.eye(k).repeat(4, 1)  # 24 outputs, each certain, every class 4 times
    assert inception_score(probs) == pytest.approx(k)
    assert inception_score(probs.view(4, k, k)) == pytest.approx(k)  # the paper's grouped form


def test_is_between_one_and_k_and_paper_form_not_smaller():
    g = torch.Generator().manual_seed(0)
    probs = torch.randn(6, 7, 5, generator=g).mul(3).softmax(-1)
    flat, grouped = inception_score(probs.view(-1, 5)), inception_score(probs)
    assert 1.0 < flat < 5.0 and grouped >= flat - 1e-12  # Jensen: mean of exp >= exp of mean


def test_identical_outputs_give_cis_one_even_with_high_is():
    """A unimodal model: each input's outputs are one class, different inputs different classes."""
    k = 4
    probs = torch.eye(k)[:, None, :].expand(k, 9, k)  # input i -> 9 copies certain of class i
    assert conditional_inception_score(probs) == pytest.approx(1.0)
    assert inception_score(probs) == pytest.approx(k)  # high IS, CIS 1


def test_outputs_of_each_input_spread_over_all_classes_give_cis_k():
    k = 5
    probs = torch.eye(k).repeat(3, 1).view(3, k, k)  # each input's 5 outputs cover the 5 classes
    assert conditional_inception_score(probs) == pytest.approx(k)


def test_cis_by_hand_for_two_outputs():
    p = torch.tensor([[[0.9, 0.1], [0.5, 0.5]]])  # one input, two outputs
    m = p.mean(1)[0]
    kl = [(q * (q / m).log()).sum() for q in p[0]]
    assert conditional_inception_score(p) == pytest.approx(math.exp(float(sum(kl)) / 2))


def test_scores_reject_logits_and_bad_shapes():
    with pytest.raises(ValueError, match="probability distribution"):
        inception_score(torch.randn(4, 3))
    with pytest.raises(ValueError, match=r"\(inputs, outputs per input, classes\)"):
        conditional_inception_score(torch.full((4, 3), 1 / 3))


# ----------------------------------------------------------------------------- Fréchet distance
def test_frechet_distance_of_a_set_with_itself_is_zero():
    f = torch.randn(200, 16, generator=torch.Generator().manual_seed(0))
    assert frechet_distance(f, f) == pytest.approx(0.0, abs=1e-9)


def test_frechet_distance_of_two_diagonal_gaussians_is_the_closed_form():
    """Commuting covariances: d^2 = |mu1 - mu2|^2 + sum_i (sigma1_i - sigma2_i)^2."""
    mu1, mu2 = torch.tensor([0.0, 1.0, -2.0]), torch.tensor([1.0, 1.0, 0.0])
    s1, s2 = torch.tensor([1.0, 4.0, 0.25]), torch.tensor([9.0, 1.0, 0.25])  # variances
    expected = float(((mu1 - mu2) ** 2).sum() + ((s1.sqrt() - s2.sqrt()) ** 2).sum())  # 5 + 4 + 1 + 0
    assert frechet_distance_from_statistics(mu1, torch.diag(s1), mu2, torch.diag(s2)) == pytest.approx(expected)


def test_frechet_distance_is_invariant_to_a_common_rotation():
    """Rotating both Gaussians by one orthogonal Q leaves the distance unchanged: checks the
    non-commuting products of the general formula against the diagonal closed form."""
    q, _ = torch.linalg.qr(torch.randn(3, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64))
    mu1, mu2 = torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    v1, v2 = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0, 0.5, 3.0])
    s1, s2 = torch.diag(v1).double(), torch.diag(v2).double()
    plain = frechet_distance_from_statistics(mu1, s1, mu2, s2)
    rotated = frechet_distance_from_statistics(q @ mu1, q @ s1 @ q.T, q @ mu2, q @ s2 @ q.T)
    assert rotated == pytest.approx(plain, rel=1e-9)
    assert plain == pytest.approx(float(((mu1 - mu2) ** 2).sum() + ((v1.sqrt() - v2.sqrt()) ** 2).sum()))


def test_frechet_distance_from_samples_approaches_the_closed_form():
    g = torch.Generator().manual_seed(2)
    n = 20000
    a = torch.randn(n, 2, generator=g, dtype=torch.float64) * torch.tensor([1.0, 2.0], dtype=torch.float64)
    b = torch.randn(n, 2, generator=g, dtype=torch.float64) * 3 + torch.tensor([2.0, 0.0], dtype=torch.float64)
    expected = 4.0 + (1 - 3) ** 2 + (2 - 3) ** 2  # 9
    assert frechet_distance(a, b) == pytest.approx(expected, rel=0.03)


def test_sqrtm_and_statistics():
    a = torch.randn(5, 5, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    m = a @ a.T  # symmetric PSD
    r = sqrtm_psd(m)
    torch.testing.assert_close(r @ r, m)
    mu, cov = feature_statistics(torch.tensor([[0.0, 0.0], [2.0, 4.0]]))
    torch.testing.assert_close(mu, torch.tensor([1.0, 2.0], dtype=torch.float64))
    torch.testing.assert_close(cov, torch.tensor([[2.0, 4.0], [4.0, 8.0]], dtype=torch.float64))
    with pytest.raises(ValueError, match="N >= 2"):
        feature_statistics(torch.zeros(1, 3))


# ----------------------------------------------------------------------------- the shapes classifier
def test_classifier_shapes_and_any_input_size():
    torch.manual_seed(0)
    model = ShapesClassifier().eval()
    for size in (32, 64, 128):
        out = model(random_images((2, 3, size, size), size))
        assert {k: tuple(v.shape) for k, v in out.items()} == {"colour": (2, 8), "texture": (2, 4), "kind": (2, 6)}
    probs = model.probabilities(random_images((3, 3, 64, 64), 7))
    assert probs["style"].shape == (3, 32)
    torch.testing.assert_close(probs["style"].sum(-1), torch.ones(3))
    assert model.features(random_images((3, 3, 64, 64), 7)).shape == (3, 64)
    # small enough to ship: well under 1 MB in half precision
    assert sum(p.numel() for p in model.parameters()) * 2 < 1_000_000
    with pytest.raises(ValueError, match=r"RGB images \(B, 3, H, W\)"):
        model(torch.zeros(3, 64, 64))


def test_classifier_file_round_trip_is_weights_only(tmp_path):
    torch.manual_seed(0)
    model = ShapesClassifier().eval()
    path = save_shapes_classifier(model, tmp_path / "c.pt", {"note": "test"})
    data = torch.load(path, weights_only=True)  # a plain, safe file
    assert data["format"].startswith("munit_lib.shapes_classifier")
    loaded = load_shapes_classifier(path)
    x = random_images((2, 3, 64, 64), 8)
    torch.testing.assert_close(loaded(x)["colour"], model(x)["colour"], atol=0.05, rtol=0.05)  # half precision
    assert loaded.metadata == {"note": "test"}
    with pytest.raises(FileNotFoundError, match="train_shapes_classifier.py"):
        load_shapes_classifier(tmp_path / "missing.pt")
    torch.save({"format": "other"}, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="not a shapes classifier"):
        load_shapes_classifier(tmp_path / "bad.pt")


def test_classifier_feature_distance_is_zero_on_identical_images():
    torch.manual_seed(0)
    distance = classifier_feature_distance(ShapesClassifier())
    x, y = random_images((2, 3, 32, 32), 9), random_images((2, 3, 32, 32), 10)
    assert torch.equal(distance(x, x), torch.zeros(2))
    assert (distance(x, y) > 0).all()


@pytest.fixture(scope="module")
def shipped_classifier():
    if not classifier_path().is_file():
        pytest.fail(f"the shipped classifier is missing at {classifier_path()}: run scripts/train_shapes_classifier.py")
    return load_shapes_classifier()


def test_shipped_classifier_reads_held_out_paintings(shipped_classifier):
    """On test-split paintings it never saw (indices past those validation.json used, so a fresh check)."""
    data = ShapesFactorDataset("test", 1200)
    images = torch.stack([data[i][0] for i in range(1000, 1200)])
    labels = {k: torch.tensor([data.labels(i)[k] for i in range(1000, 1200)]) for k in ("colour", "texture", "kind")}
    accuracy = evaluate_accuracy(shipped_classifier, images, labels)
    assert accuracy["colour"] >= 0.97 and accuracy["texture"] >= 0.9 and accuracy["kind"] >= 0.7, accuracy


# ----------------------------------------------------------------------------- quality proxy
def real_pairs(n: int = 24, size: int = 64):
    """Real test paintings and sketches of the same shapes: the ideal translations."""
    from munit_lib.data.shapes import ShapesDomain, render_sketch
    from munit_lib.data.transforms import image_to_tensor

    paintings = ShapesDomain("b", "test", size, n, seed=3)
    sketches = torch.stack([image_to_tensor(render_sketch(paintings.ground_truth(i).geometry, size)[0])
                            for i in range(n)])
    return sketches, torch.stack([paintings[i] for i in range(n)])


def test_quality_proxy_passes_ideal_translations_and_fails_blank_or_misplaced_ones(shipped_classifier):
    from munit_lib.evaluation import quality_proxy

    sketches, paintings = real_pairs()
    ideal = quality_proxy(sketches, paintings, shipped_classifier)
    assert ideal["content_kept"] == 1.0 and ideal["quality"] >= 0.9 and ideal["n"] == 24
    blank = torch.ones_like(paintings)  # white images: no shape, no style
    assert quality_proxy(sketches, blank, shipped_classifier)["quality"] == 0.0
    misplaced = quality_proxy(sketches, paintings.roll(1, dims=0), shipped_classifier)  # another sketch's painting
    assert misplaced["content_kept"] < 0.5 and misplaced["quality"] < ideal["quality"]
    with pytest.raises(ValueError, match="one translation per sketch"):
        quality_proxy(sketches, paintings[:3], shipped_classifier)


# ----------------------------------------------------------------------------- evaluating models
@pytest.fixture(scope="module")
def tiny_munit():
    from munit_lib import MUNIT, MUNITConfig

    torch.manual_seed(0)
    return MUNIT(MUNITConfig.profile_named("ci")).eval()


def test_evaluate_a_tiny_munit_gives_every_metric_in_range(tiny_munit, shipped_classifier):
    from munit_lib.evaluation import METRIC_COLUMNS, evaluate_sketch_to_painting

    r = evaluate_sketch_to_painting(tiny_munit, shipped_classifier, n_inputs=3, n_pairs=2, n_styles=4)
    assert {key for key, _ in METRIC_COLUMNS} <= set(r)
    assert r["image_size"] == 32 and r["style_dim"] == tiny_munit.cfg.style_dim
    assert r["diversity"] > 0 and r["diversity_lpips"] is None
    assert 1 - 1e-9 <= r["cis"] <= 32 and 1 - 1e-9 <= r["is"] <= 32 and r["frechet"] >= 0
    for key in ("quality", "content_iou", "pairs_reached", "colours_reached", "textures_reached"):
        assert 0 <= r[key] <= 1, key


def small_baseline(name: str):
    """A baseline as munit_lib builds one from a config (``registry.build_model``): 32 px, width 4."""
    from munit_lib import MUNITConfig
    from munit_lib.registry import build_model

    torch.manual_seed(0)
    return build_model(MUNITConfig.profile_named("ci", model=name, gen_dim=4, dis_dim=4))


def test_unimodal_models_have_zero_diversity_and_cis_one(shipped_classifier):
    """UNIT and CycleGAN ignore the style: both protocols see identical outputs per input."""
    from munit_lib.evaluation import as_translator, evaluate_sketch_to_painting

    for name in ("unit", "cyclegan"):
        model = small_baseline(name)
        tr = as_translator(model)
        assert tr.name == name and tr.style_dim == model.run_cfg.style_dim  # the Translator's, styles ignored
        x = random_images((2, 3, 32, 32), 11)
        assert torch.equal(tr(x, torch.randn(2, 8)), tr(x, torch.randn(2, 8)))
        assert torch.equal(tr(x, torch.randn(2, 8)), model.translate(x, "a2b"))  # the model's own translation
        r = evaluate_sketch_to_painting(model, shipped_classifier, n_inputs=2, n_pairs=2, n_styles=3, size=32)
        assert r["diversity"] == 0.0, name
        assert r["cis"] == pytest.approx(1.0), name


def test_as_translator_reads_the_latent_of_multimodal_baselines():
    from munit_lib.baselines import UNIT, cpu_config
    from munit_lib.evaluation import as_translator
    from munit_lib.translate import Translator

    for name in ("cyclegan_noise", "bicyclegan"):
        model = small_baseline(name)
        tr = as_translator(model)
        x = random_images((2, 3, 32, 32), 11)
        assert tr.style_dim == 8
        z1, z2 = torch.randn(2, 8), torch.randn(2, 8)
        assert not torch.equal(tr(x, z1), tr(x, z2)), name  # the latent reaches the output
        own = model.translate(x, "a2b", z=z1) if name == "cyclegan_noise" else model.translate(x, z=z1)
        assert torch.equal(tr(x, z1), own), name  # bit for bit the model's own translation
        sides = Translator.from_model(model)  # what the OpenMoji measures ask of it
        assert sides.can_translate("b2a") == (name == "cyclegan_noise")  # BicycleGAN: a -> b only
        assert sides.can_encode_style("a2b") == (name == "bicyclegan")  # its encoder gives z of a B image
    with pytest.raises(TypeError, match="cannot evaluate"):
        as_translator(object())
    with pytest.raises(ValueError, match="build_model sets run_cfg"):  # built from its own config class
        as_translator(UNIT(cpu_config("unit", width=4)))


def test_real_data_row_and_markdown_table(shipped_classifier, tiny_munit):
    from munit_lib.evaluation import evaluate_real_paintings, evaluate_sketch_to_painting, markdown_table

    real = evaluate_real_paintings(shipped_classifier, n_inputs=3, n_pairs=2, n_styles=4, size=32)
    assert real["cis"] is None and real["diversity"] > 0 and real["content_iou"] > 0.9
    model = evaluate_sketch_to_painting(tiny_munit, shipped_classifier, n_inputs=2, n_pairs=2, n_styles=2)
    table = markdown_table([model, real]).splitlines()
    assert len(table) == 4 and table[0].startswith("| model | quality proxy")
    assert table[3].startswith("| real data |") and "n/a" in table[3]  # CIS is undefined for real data
    with pytest.raises(ValueError, match="no results"):
        markdown_table([])


def test_cli_evaluate_prints_one_json_line_per_model_and_writes_a_table(tiny_munit, tmp_path, capsys):
    import json

    from munit_lib.cli import main
    from munit_lib.training import export_generators

    paths = []
    for k in range(2):
        torch.manual_seed(k)
        from munit_lib import MUNIT

        m = MUNIT(tiny_munit.cfg)
        paths.append(str(export_generators(m.gen_a, m.gen_b, tmp_path / f"model{k}.pt", tiny_munit.cfg, 0)))
    table = tmp_path / "table.md"
    code = main(["evaluate", "--checkpoint", *paths, "--inputs", "2", "--pairs", "2", "--styles", "2",
                 "--table", str(table), "--threads", "1"])
    assert code == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    rows = [json.loads(line) for line in lines]
    assert [r["model"] for r in rows] == ["model0", "model1"]
    assert all({"diversity", "is", "cis", "frechet", "quality", "content_iou"} <= set(r) for r in rows)
    text = table.read_text(encoding="utf-8")
    assert "| model0 |" in text and "| model1 |" in text and "Measured" in text
    assert json.loads(table.with_suffix(".json").read_text(encoding="utf-8"))[1]["model"] == "model1"


def test_cli_evaluate_errors_are_one_line(tmp_path, capsys):
    from munit_lib.cli import main

    assert main(["evaluate"]) == 2
    assert "nothing to evaluate" in capsys.readouterr().err
    assert main(["evaluate", "--checkpoint", str(tmp_path / "missing.pt")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_cli_evaluate_takes_shipped_models_by_name_baselines_included(tiny_munit, tmp_path, capsys, monkeypatch):
    import json

    from munit_lib.cli import main
    from munit_lib.registry import build_model
    from munit_lib.training import export_model
    from munit_lib.training import export_generators

    data = tmp_path / "data"
    export_generators(tiny_munit.gen_a, tiny_munit.gen_b, data / "pretrained" / "shapes" / "generators.pt",
                      tiny_munit.cfg, 0)
    unit_cfg = tiny_munit.cfg.replace(model="unit", ema_decay=0.0)
    torch.manual_seed(0)
    export_model(build_model(unit_cfg), data / "pretrained" / "unit" / "generators.pt", unit_cfg, half=True)
    monkeypatch.setenv("MUNIT_DATA_DIR", str(data))
    from munit_lib.pretrained import DEFAULT_DATA_DIR

    shipped_classifier_file = DEFAULT_DATA_DIR / "pretrained" / "classifier" / "shapes_classifier.pt"
    assert main(["evaluate", "--pretrained", "shapes", "unit", "--inputs", "2", "--pairs", "2", "--styles", "2",
                 "--threads", "1", "--classifier", str(shipped_classifier_file)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert [r["model"] for r in rows] == ["shapes", "unit"]
    assert rows[1]["diversity"] == pytest.approx(0.0, abs=1e-6)  # UNIT ignores the style: no diversity
    assert main(["evaluate", "--pretrained", "cyclegan"]) == 2  # not on disk: one line naming it
    assert "not on disk: cyclegan" in capsys.readouterr().err


def _row(diversity, quality):
    return {"diversity": diversity, "quality": quality}


def test_table1_findings_reproduced_when_the_orderings_hold():
    from munit_lib.evaluation import markdown_findings, table1_findings

    rows = {"shapes_cyc0": _row(1.0, 0.6), "unit": _row(0.0, 0.5), "cyclegan": _row(0.05, 0.5),
            "cyclegan_noise": _row(0.1, 0.4), "shapes_nox": _row(1.5, 0.1), "shapes_noc": _row(1.2, 0.4),
            "shapes_nos": _row(0.5, 0.6), "bicyclegan": _row(1.1, 0.8)}
    findings = table1_findings(rows)
    assert len(findings) == 7 and all(f["reproduced"] is True for f in findings)
    assert "CycleGAN* 0.100 against MUNIT's 1.000 (10% of it" in findings[2]["measured"]
    text = markdown_findings(findings)
    assert text.count("| yes |") == 7 and text.startswith("| finding (paper's Table 1) |")


def test_table1_findings_say_no_and_not_measured_without_guessing():
    from munit_lib.evaluation import markdown_findings, table1_findings

    rows = {"shapes_cyc0": _row(1.0, 0.6), "unit": _row(0.5, 0.5),  # too diverse for "near zero"
            "shapes_nox": _row(1.5, 0.7),  # more diverse, but its quality did not collapse
            "shapes_nos": _row(1.0, 0.6),  # as diverse as MUNIT: no drop
            "bicyclegan": _row(2.0, 0.8)}  # MUNIT at 50% of it: not approaching
    by_finding = {f["finding"]: f for f in table1_findings(rows)}
    assert by_finding["UNIT has near-zero diversity (unimodal)"]["reproduced"] is False
    assert by_finding["Without L_x: more diverse than MUNIT, and its quality collapses"]["reproduced"] is False
    assert by_finding["Without L_s: less diverse than MUNIT"]["reproduced"] is False
    assert by_finding["MUNIT's diversity approaches BicycleGAN's, without pairs"]["reproduced"] is False
    missing = by_finding["CycleGAN has near-zero diversity (unimodal)"]
    assert missing["reproduced"] is None and missing["measured"] == "not measured: no cyclegan row"
    assert "not measured" in markdown_findings(list(by_finding.values()))
    # another diversity column: rows without it are not measured, not read as zero
    assert all(f["reproduced"] is None for f in table1_findings(rows, diversity="diversity_lpips"))


def test_table1_scores_shipped_models_by_name_and_checks_the_findings(tiny_munit, tmp_path, monkeypatch, capsys):
    import json
    import shutil

    from munit_lib.registry import build_model
    from munit_lib.training import export_model
    from munit_lib.pretrained import DEFAULT_DATA_DIR
    from munit_lib.training import export_generators

    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR / "pretrained" / "classifier", data / "pretrained" / "classifier")
    export_generators(tiny_munit.gen_a, tiny_munit.gen_b, data / "pretrained" / "shapes_cyc0" / "generators.pt",
                      tiny_munit.cfg, 0)
    unit_cfg = tiny_munit.cfg.replace(model="unit", ema_decay=0.0)
    torch.manual_seed(0)
    export_model(build_model(unit_cfg), data / "pretrained" / "unit" / "generators.pt", unit_cfg, iteration=3)
    (data / "pretrained" / "unit" / "scores.json").write_text(json.dumps({"iteration": 3, "train_cpu_seconds": 1.5}))
    monkeypatch.setenv("MUNIT_DATA_DIR", str(data))
    script = load_repo_file("scripts/zoo.py")
    assert script.main(["table", "table1", "--out", str(tmp_path / "t.md")]) == 2  # models missing: refused, by name
    assert "not on disk: cyclegan, cyclegan_noise" in capsys.readouterr().err
    out = tmp_path / "t.md"
    assert script.main(["table", "table1", "--allow-missing", "--inputs", "2", "--pairs", "2", "--styles", "2",
                        "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "| shapes_cyc0 |" in text and "| unit |" in text and "| real data |" in text and "Measured" in text
    assert "| unit | 3 | 1.5 |" in text  # how it was trained, from its scores.json
    # UNIT ignores the style: zero diversity, so "near zero" holds against any diverse MUNIT
    assert "| UNIT has near-zero diversity (unimodal) |" in text and "not measured: no cyclegan row" in text
    rows = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert [r["model"] for r in rows] == ["unit", "shapes_cyc0", "real data"]
