"""The OpenMoji measures, each on the true images (what the truth scores) and on trivial translators."""
import json
from types import SimpleNamespace

import pytest
import torch

from munit_lib.cli import main
from munit_lib.config import MUNITConfig
from munit_lib.evaluation.openmoji import (MIN_SKIN_PIXELS, SKIN_TONES, TONE_COLOURS, OpenMojiModel, _skin_masks,
                                          hex_to_rgb, guided_tone_accuracy, guided_tone_confusion,
                                          line_art_kept, own_style_tone_accuracy, style_tone_probe,
                                          load_openmoji_split, openmoji_model, own_style_l1, palette_fidelity,
                                          read_tones, score_openmoji, stroke_mask, tones_reached)
from munit_lib.evaluation.openmoji_classifier import (OpenMojiGroupClassifier, load_openmoji_classifier,
                                                      save_openmoji_classifier)
from munit_lib.networks import MUNIT


@pytest.fixture(scope="module")
def data():
    return load_openmoji_split()  # the shipped 64-px set's test split


def _index_of(bank: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Row of ``bank`` equal to each image of ``y`` (the truth looked up by its bytes)."""
    rows = {img.numpy().tobytes(): i for i, img in enumerate(bank)}
    return torch.tensor([rows[img.numpy().tobytes()] for img in y])


def truth_model(data) -> OpenMojiModel:
    """Returns the true colouring: its style code is the colouring's row in the test set."""
    return OpenMojiModel("truth", 1, a2b=lambda x, s: data.colour[s[:, 0].long()],
                         b2a=lambda y: data.line_art[_index_of(data.colour, y)],
                         encode_b=lambda y: _index_of(data.colour, y).float().unsqueeze(1))


def tone_painter() -> OpenMojiModel:
    """Paints everything but the strokes in one skin tone: from the style (5 equal-probability bins of
    N(0, 1)) or, guided, the tone whose fill covers most of the reference."""
    bins = torch.distributions.Normal(0.0, 1.0).icdf(torch.tensor([0.2, 0.4, 0.6, 0.8]))

    def a2b(x, s):
        tone = torch.bucketize(s[:, 0], bins) if s[:, 0].dtype.is_floating_point and (s[:, 0] % 1 != 0).any() \
            else s[:, 0].long()
        out = (TONE_COLOURS[tone] * 2 - 1).view(-1, 3, 1, 1).expand_as(x).clone()
        return torch.where(stroke_mask(x).unsqueeze(1), x, out)

    def encode_b(y):
        rgb = (y + 1) / 2  # (B, 3, H, W)
        near = [((rgb - c.view(1, 3, 1, 1)).abs().amax(1) < 0.05).flatten(1).sum(1) for c in TONE_COLOURS[:5]]
        return torch.stack(near, 1).argmax(1).float().unsqueeze(1)  # an integer code: the tone itself

    return OpenMojiModel("tone painter", 1, a2b=a2b, encode_b=encode_b)


def test_the_truth_scores_perfectly(data):
    toned = data.toned
    assert len(data) == 310 and len(toned) == 140 and len(data.skin) == 28
    truth_tones = torch.tensor([data.records[i].skintone - 1 for i in toned])
    assert torch.equal(read_tones(data.colour[toned], data.masks(toned)), truth_tones)
    m = truth_model(data)
    assert line_art_kept(data.colour, data.colour) == 1.0
    assert line_art_kept(m.b2a(data.colour), data.line_art) == 1.0
    assert own_style_l1(m, data) == 0.0
    assert palette_fidelity(data.colour) > 0.9  # the rest are anti-aliased edges between palette colours
    assert palette_fidelity(data.colour) == pytest.approx(0.947, abs=0.005)


def test_identity_keeps_lines_but_reaches_one_tone(data):
    identity = OpenMojiModel("identity", 0, a2b=lambda x, s: x, b2a=lambda y: y)
    # the line art is white inside: the nearest fill is the lightest tone, for every style
    assert tones_reached(identity, data, n_styles=4) == 1.0
    assert guided_tone_accuracy(identity, data) is None  # it takes no reference
    kept = line_art_kept(data.line_art, data.colour)
    assert 0.8 < kept < 0.95  # most dark pixels of a colouring are its lines, not all (dark fills)


def test_a_fixed_off_palette_colouring_scores_zero(data):
    purple = torch.tensor([0.5, 0.3, 0.9]).view(1, 3, 1, 1) * 2 - 1
    fixed = OpenMojiModel("fixed", 0, a2b=lambda x, s: purple.expand_as(x).clone())
    out = fixed.a2b(data.line_art, torch.zeros(len(data), 0))
    assert palette_fidelity(out) == 0.0
    # no strokes at all: only a colouring without dark pixels (1 of 310) counts as kept
    assert line_art_kept(out, data.colour) < 0.01
    assert own_style_l1(fixed, data) > 0.5


def test_tone_painter_reaches_the_tones_and_follows_references(data):
    painter = tone_painter()
    assert tones_reached(painter, data, n_styles=16) >= 4.5  # 5 (1 - 0.8^16) = 4.86 expected
    assert tones_reached(painter, data, n_styles=1) == 1.0
    assert guided_tone_accuracy(painter, data) >= 0.9  # the painter reads a reference crudely (largest fill)
    # a painter that ignores the reference is right one time in five
    stubborn = OpenMojiModel("stubborn", 1, a2b=painter.a2b, encode_b=lambda y: torch.zeros(y.shape[0], 1))
    assert guided_tone_accuracy(stubborn, data) == pytest.approx(0.2, abs=0.01)
    # the confusion table behind it: the stubborn painter draws one tone whatever the reference, so
    # one column holds every count; the painter's counts sit on the diagonal
    stuck = guided_tone_confusion(stubborn, data)
    assert stuck.shape == (5, 6) and (stuck > 0).any(0).sum() == 1
    assert (stuck.sum(1) == stuck.sum(1)[0]).all()  # each reference tone used once per toned input
    follows = guided_tone_confusion(painter, data)
    assert float(follows.diagonal().sum() / follows.sum()) == guided_tone_accuracy(painter, data)
    assert guided_tone_confusion(OpenMojiModel("no encoder", 0, a2b=painter.a2b), data) is None
    # its own colouring as the reference: the painter reads it back; the stubborn one only for tone 1
    assert own_style_tone_accuracy(painter, data) >= 0.9
    assert own_style_tone_accuracy(stubborn, data) == pytest.approx(0.2, abs=0.01)
    assert own_style_tone_accuracy(OpenMojiModel("no encoder", 0, a2b=painter.a2b), data) is None
    # the painter's code is the tone itself: a probe reads it; a constant code reads one tone in five
    assert style_tone_probe(painter, data, data) >= 0.9
    assert style_tone_probe(stubborn, data, data) == pytest.approx(0.2, abs=0.01)


def test_bad_arguments_are_named(data, tmp_path):
    identity = OpenMojiModel("identity", 0, a2b=lambda x, s: x)
    with pytest.raises(ValueError, match="n_styles"):
        tones_reached(identity, data, n_styles=0)
    with pytest.raises(ValueError, match="differ in shape"):
        line_art_kept(data.line_art[:2], data.colour[:3])
    with pytest.raises(ValueError, match="split"):
        load_openmoji_split(split="val")
    with pytest.raises(FileNotFoundError, match="make-openmoji"):
        load_openmoji_split(tmp_path)
    with pytest.raises(TypeError, match="cannot measure"):
        openmoji_model(object())


def _tiny_munit() -> MUNIT:
    torch.manual_seed(0)
    cfg = MUNITConfig.profile_named("ci").replace(image_size=64, new_size=64)
    return MUNIT(cfg)


def _small(data, families: int = 3, others: int = 10):
    """Every emoji of a few toned families and a few untoned ones: quick to score."""
    keep = sorted(data.skin)[:families]
    toned = [i for i, r in enumerate(data.records) if r.base_hexcode in keep]
    plain = [i for i, r in enumerate(data.records) if r.skintone == 0][:others]
    return data.subset(toned + plain)


def test_score_a_real_munit_end_to_end(data):
    model = _tiny_munit()
    classifier = OpenMojiGroupClassifier(["a", "b", "c"], width=8)
    small = _small(data)
    assert len(small.toned) == 15 and len(small.skin) == 3
    scores = score_openmoji(model, small, n_styles=2, classifier=classifier, diversity_inputs=4, diversity_pairs=2,
                            train=small)
    for key in ("line_art_kept_a2b", "line_art_kept_b2a", "tones_reached", "guided_tone_accuracy", "own_style_tone_accuracy",
                "style_tone_probe", "palette_fidelity", "own_style_l1", "diversity_l1", "diversity_features", "frechet",
                "inception_score", "cis"):
        assert isinstance(scores[key], float), key
    assert 1.0 <= scores["tones_reached"] <= 2.0  # two styles reach at most two tones
    assert 1.0 <= scores["inception_score"] <= 3.0 and 1.0 <= scores["cis"] <= 3.0
    assert scores["n_toned"] == 15


def test_score_openmoji_command(data, tmp_path, capsys):
    import shutil

    from munit_lib.data.openmoji import _write_table
    from munit_lib.evaluation.openmoji import default_openmoji_root
    from munit_lib.training.checkpoint import export_generators

    # a small set on disk, in make-openmoji's layout, taken from the shipped one
    small, root = _small(data, families=2, others=4), tmp_path / "om"
    for side in ("A", "B"):
        (root / f"test{side}").mkdir(parents=True)
        for r in small.records:
            shutil.copy(default_openmoji_root() / f"test{side}" / f"{r.hexcode}.png", root / f"test{side}")
    _write_table(root / "metadata.csv", small.records)
    model = _tiny_munit()
    gen = tmp_path / "gen.pt"
    export_generators(model.gen_a, model.gen_b, gen, cfg=model.cfg)
    clf = OpenMojiGroupClassifier(["a", "b"], width=8)
    clf.metadata = {"test_accuracy": 0.5}
    save_openmoji_classifier(clf, tmp_path / "clf.pt")
    assert load_openmoji_classifier(tmp_path / "clf.pt").metadata == {"test_accuracy": 0.5}
    out = tmp_path / "scores.json"
    assert main(["score-openmoji", "--checkpoint", str(gen), "--data", str(root), "--styles", "2", "--inputs", "3",
                 "--pairs", "2", "--classifier", str(tmp_path / "clf.pt"), "--out", str(out)]) == 0
    scores = json.loads(out.read_text())
    assert scores["checkpoint"] == str(gen) and "frechet" in scores
    assert scores["n_test"] == len(small) and scores["n_toned"] == len(small.toned) == 10
    assert scores["style_tone_probe"] is None  # it needs the training split: --probe
    assert main(["score-openmoji", "--checkpoint", str(gen), "--styles", "0"]) == 2
    assert "--styles 0" in capsys.readouterr().err
    assert main(["score-openmoji", "--checkpoint", str(tmp_path / "none.pt")]) == 2


def test_classifier_files_are_checked(tmp_path):
    bad = tmp_path / "bad.pt"
    torch.save({"format": "something else"}, bad)
    with pytest.raises(ValueError, match="not an OpenMoji group classifier"):
        load_openmoji_classifier(bad)
    with pytest.raises(FileNotFoundError, match="train_openmoji_classifier"):
        load_openmoji_classifier(tmp_path / "missing.pt")


def test_classifier_scores_on_the_truth_and_on_a_constant_translator(data):
    """The paper's scores through the shipped group classifier: what the truth scores, and what one
    fixed colouring for every drawing scores (no diversity, IS and CIS of 1)."""
    from munit_lib.evaluation.diversity import pixel_l1_distance, protocol_diversity
    from munit_lib.evaluation.frechet import frechet_distance
    from munit_lib.evaluation.inception_scores import conditional_inception_score, inception_score

    classifier = load_openmoji_classifier()
    assert classifier.metadata["test_accuracy"] > classifier.metadata["majority_baseline"]
    with torch.no_grad():
        truth = classifier.features(data.colour)
        assert frechet_distance(truth, truth) == pytest.approx(0.0, abs=1e-3)
        assert frechet_distance(classifier.features(data.line_art), truth) > 1.0  # line art is not colour
        probs = classifier.probabilities(data.colour)  # (310, groups)
        assert inception_score(probs) > 1.5  # the true colourings spread over the groups
        constant = classifier.probabilities(data.colour[:1].expand(12, -1, -1, -1))
        assert inception_score(constant) == pytest.approx(1.0, abs=1e-4)
        assert conditional_inception_score(constant.view(3, 4, -1)) == pytest.approx(1.0, abs=1e-4)
    fixed = OpenMojiModel("fixed", 0, a2b=lambda x, s: data.colour[:1].expand(x.shape[0], -1, -1, -1))
    assert protocol_diversity(fixed.a2b, data.line_art[:5], pixel_l1_distance, 0, 3).mean == 0.0
    assert protocol_diversity(fixed.a2b, data.line_art[:5], classifier.feature_distance, 0, 3).mean == 0.0


def test_the_shipped_bicyclegans_diversity_is_reproduced_with_one_translation_per_pair(data):
    """``score_openmoji`` measures the protocol's pairs once for both distances; the scores published
    in data/pretrained/openmoji_bicyclegan/scores.json (measured when each distance translated the
    pairs anew) come back bit for bit."""
    from munit_lib.evaluation.openmoji import openmoji_diversity
    from munit_lib.pretrained import pretrained_path

    path = pretrained_path("openmoji_bicyclegan")
    published = json.loads((path.parent / "scores.json").read_text())
    got = openmoji_diversity(str(path), data, load_openmoji_classifier())
    assert got == {key: published[key] for key in ("diversity_l1", "diversity_features")}


def test_tone_confusion_summary_reads_a_table_by_hand():
    from munit_lib.evaluation.openmoji import tone_confusion_summary

    # reference tone 1: 6 on tone 1, 2 on tone 3, 2 yellow; tones 2-5: all read one step darker (tone 5: on 5)
    table = torch.zeros(5, 6, dtype=torch.long)
    table[0, 0], table[0, 2], table[0, 5] = 6, 2, 2
    for r in range(1, 4):
        table[r, r + 1] = 10
    table[4, 4] = 10
    summary = tone_confusion_summary(table)
    assert summary["exact"] == pytest.approx(16 / 50)  # 6 on tone 1, 10 on tone 5
    assert summary["within_one"] == pytest.approx(46 / 50)  # all but reference 1's tone 3 and yellow
    assert summary["mean_read"] == pytest.approx([(6 * 1 + 2 * 3) / 8, 3, 4, 5, 5])  # yellow left out
    with pytest.raises(ValueError, match=r"\(5, 6\)"):
        tone_confusion_summary(torch.zeros(5, 5))


def test_skin_threshold_scales_with_the_image_area():
    """A family's skin must cover MIN_SKIN_PIXELS at 64 px, and the same share of a larger image: a set
    built at 128 px scores the same families as the 64-px set (here: the same drawing upscaled)."""
    fill = torch.tensor(hex_to_rgb(SKIN_TONES[0])) * 2 - 1  # tone 1's fill in [-1, 1]
    colour = torch.ones(2, 3, 64, 64)  # white, with a patch of skin: too small in one family, enough in the other
    colour[0, :, :2, :MIN_SKIN_PIXELS // 2 - 1] = fill.view(3, 1, 1)  # 2 x 5 = 10 pixels: below the threshold
    colour[1, :, :2, :MIN_SKIN_PIXELS // 2 + 1] = fill.view(3, 1, 1)  # 2 x 7 = 14 pixels: above it
    records = [SimpleNamespace(skintone=1, base_hexcode="small"), SimpleNamespace(skintone=1, base_hexcode="big")]
    assert set(_skin_masks(colour, records)) == {"big"}
    for scale in (2, 4):  # 128 and 256 px: 4 and 16 times the pixels of each patch
        larger = torch.nn.functional.interpolate(colour, scale_factor=scale, mode="nearest")
        masks = _skin_masks(larger, records)
        assert set(masks) == {"big"} and masks["big"].shape == (64 * scale, 64 * scale)
