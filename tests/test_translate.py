"""Multimodal translation (munit_lib.translate) on tiny ci-profile generators at 32x32."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from PIL import Image

from munit_lib import Generator, MUNITConfig, init_weights
from munit_lib.data.folders import ImageLoadError
from munit_lib.data.transforms import image_to_tensor
from munit_lib.translate import (DIRECTIONS, ImageResizeWarning, Translator, check_styles, interpolate_at,
                                 interpolate_styles, load_images, random_styles, save_translations, sweep_style)
from munit_test_helpers import random_images

assert_close = torch.testing.assert_close


def make_generators(cfg: MUNITConfig, seed: int = 0) -> tuple[Generator, Generator]:
    torch.manual_seed(seed)
    return init_weights(Generator(cfg, cfg.input_dim_a)), init_weights(Generator(cfg, cfg.input_dim_b))


def export(gen_a, gen_b, cfg, path):
    torch.save({"a": gen_a.state_dict(), "b": gen_b.state_dict(), "config": cfg.to_dict(),
                "format": "munit_lib.generators/1", "iteration": 0}, path)
    return path


@pytest.fixture(scope="module")
def cfg() -> MUNITConfig:
    return MUNITConfig.profile_named("ci")


@pytest.fixture(scope="module")
def translator(cfg) -> Translator:
    return Translator(*make_generators(cfg))


@pytest.fixture(scope="module")
def x(cfg) -> torch.Tensor:
    return random_images((2, 3, cfg.image_size, cfg.image_size), 10)


@pytest.fixture(scope="module")
def uint8_images(cfg) -> np.ndarray:
    """Three images exactly representable as 8-bit files: (3, 32, 32, 3) uint8."""
    rng = np.random.default_rng(3)
    return rng.integers(0, 256, size=(3, cfg.image_size, cfg.image_size, 3), dtype=np.uint8)


# ----------------------------------------------------------------------------- styles
def test_random_styles_are_seeded_and_leave_the_global_rng_alone():
    state = torch.get_rng_state()
    a, b, c = random_styles(4, 8, seed=1), random_styles(4, 8, seed=1), random_styles(4, 8, seed=2)
    assert torch.equal(torch.get_rng_state(), state)
    assert a.shape == (4, 8) and a.dtype == torch.float32
    assert torch.equal(a, b) and not torch.equal(a, c)
    many = random_styles(4000, 8, seed=0)  # N(0, I): mean ~ 0, std ~ 1
    assert many.mean().abs() < 0.05 and (many.std() - 1).abs() < 0.05


def test_check_styles_shapes_and_wrong_length():
    assert check_styles(torch.zeros(8), 8).shape == (1, 8)
    assert check_styles(torch.zeros(3, 8, 1, 1), 8).shape == (3, 8)
    assert check_styles([[0.0] * 8], 8).shape == (1, 8)
    with pytest.raises(ValueError, match="length 8"):
        check_styles(torch.zeros(2, 5), 8)
    with pytest.raises(ValueError, match="NaN"):
        check_styles(torch.full((8,), float("nan")), 8)


def test_interpolation_endpoints_are_exact_in_both_modes():
    s0, s1 = random_styles(2, 8, seed=5)
    for mode in ("linear", "slerp"):
        path = interpolate_styles(s0, s1, 7, mode)
        assert path.shape == (7, 8)
        assert torch.equal(path[0], s0) and torch.equal(path[-1], s1)
    assert_close(interpolate_styles(s0, s1, 3)[1], (s0 + s1) / 2)


def test_slerp_keeps_the_norm_of_equal_norm_codes():
    s0, s1 = random_styles(2, 8, seed=6)
    s1 = s1 * s0.norm() / s1.norm()  # same norm r
    r = float(s0.norm())
    norms = interpolate_styles(s0, s1, 9, "slerp").norm(dim=1)
    assert torch.all(norms >= r - 1e-4) and torch.all(norms <= r + 1e-4)
    assert interpolate_styles(s0, s1, 3, "linear")[1].norm() < r - 1e-3  # the chord cuts inside
    e0, e1 = torch.eye(8)[0], torch.eye(8)[1]  # orthogonal unit vectors: the midpoint is on the arc
    assert_close(interpolate_at(e0, e1, [0.5], "slerp")[0], (e0 + e1) / 2 ** 0.5)


def test_slerp_falls_back_to_linear_for_parallel_codes():
    s = random_styles(1, 8, seed=7)[0]
    for other in (2 * s, -s, torch.zeros(8)):
        assert_close(interpolate_styles(s, other, 5, "slerp"), interpolate_styles(s, other, 5, "linear"))
    with pytest.raises(ValueError, match="linear"):
        interpolate_styles(s, s, 5, "cubic")
    with pytest.raises(ValueError, match="at least 2"):
        interpolate_styles(s, s, 1)


def test_sweep_changes_only_one_dimension():
    base = random_styles(1, 8, seed=8)[0]
    values = [-2.0, 0.0, 1.5]
    sweep = sweep_style(base, 3, values)
    assert sweep.shape == (3, 8)
    assert torch.equal(sweep[:, 3], torch.tensor(values))
    others = [i for i in range(8) if i != 3]
    assert torch.equal(sweep[:, others], base[others].expand(3, -1))
    with pytest.raises(ValueError, match="0..7"):
        sweep_style(base, 8, values)


# ----------------------------------------------------------------------------- translation
def test_translate_is_every_input_with_every_style(translator, x):
    styles = random_styles(3, translator.style_dim, seed=1)
    out = translator.translate(x, "a2b", styles)
    assert out.shape == (2, 3, 3, 32, 32) and out.min() >= -1 and out.max() <= 1
    with torch.no_grad():
        content = translator.gen_a.encode(x[1:])[0]
        expected = translator.gen_b.decode(content, styles[2:])[0]
    assert_close(out[1, 2], expected)
    # b2a: content from gen_b, style decoded by gen_a
    with torch.no_grad():
        expected = translator.gen_a.decode(translator.gen_b.encode(x[:1])[0], styles[:1])[0]
    assert_close(translator.translate(x, "b2a", styles)[0, 0], expected)


def test_different_styles_give_different_outputs(translator, x):
    out = translator.translate_random(x, "a2b", num_styles=4, seed=0)
    flat = out[0].flatten(1)  # (4, 3 * 32 * 32)
    gaps = torch.cdist(flat, flat)[~torch.eye(4, dtype=torch.bool)]
    assert gaps.min() > 1e-2


def test_same_seed_same_outputs(translator, cfg, x):
    first, styles = translator.translate_random(x, "b2a", num_styles=3, seed=4, return_styles=True)
    assert torch.equal(first, translator.translate_random(x, "b2a", num_styles=3, seed=4))
    assert torch.equal(styles, random_styles(3, translator.style_dim, seed=4))
    again = Translator(*make_generators(cfg)).translate_random(x, "b2a", num_styles=3, seed=4)  # fresh copy
    assert torch.equal(first, again)
    assert not torch.equal(first, translator.translate_random(x, "b2a", num_styles=3, seed=5))


def test_translate_leaves_the_global_rng_alone(translator, x):
    state = torch.get_rng_state()
    translator.translate_random(x, "a2b", 2, seed=1)
    assert torch.equal(torch.get_rng_state(), state)


def test_chunked_decoding_matches(cfg, translator, x):
    small = Translator(translator.gen_a, translator.gen_b, chunk_size=1)
    styles = random_styles(3, cfg.style_dim, seed=2)
    assert_close(small.translate(x, "a2b", styles), translator.translate(x, "a2b", styles))


def test_interpolated_translation_endpoints(translator, x):
    s0, s1 = random_styles(2, translator.style_dim, seed=9)
    for mode in ("linear", "slerp"):
        out = translator.translate_interpolated(x, s0, s1, steps=4, direction="a2b", mode=mode)
        assert out.shape == (2, 4, 3, 32, 32)
        assert_close(out[:, 0], translator.translate(x, "a2b", s0)[:, 0])
        assert_close(out[:, -1], translator.translate(x, "a2b", s1)[:, 0])


def test_sweep_translation(translator, x):
    out = translator.translate_sweep(x, dim=2, values=[-1.0, 1.0])
    base = torch.zeros(translator.style_dim)
    assert out.shape == (2, 2, 3, 32, 32)
    assert_close(out[:, 1], translator.translate(x, "a2b", sweep_style(base, 2, [1.0]))[:, 0])


def test_guided_translation_uses_the_target_domains_style(translator, x):
    refs = random_images((3, 3, 32, 32), 11)
    styles = translator.encode_style(refs, "a2b")
    assert styles.shape == (3, translator.style_dim)
    with torch.no_grad():
        assert_close(styles, translator.gen_b.encode(refs)[1])  # a2b: references are B images
        assert_close(translator.encode_style(refs, "b2a"), translator.gen_a.encode(refs)[1])
    guided = translator.translate_guided(x, refs, "a2b")
    assert guided.shape == (2, 3, 3, 32, 32)
    assert torch.equal(guided, translator.translate(x, "a2b", styles))
    pairs = translator.translate_guided(x, refs[:2], "a2b", pairwise=True)
    assert pairs.shape == (2, 1, 3, 32, 32)
    assert_close(pairs[1, 0], guided[1, 1])
    with pytest.raises(ValueError, match="one reference per input"):
        translator.translate_guided(x, refs, "a2b", pairwise=True)


def test_references_of_another_size(translator, x):
    ref = random_images((1, 3, 48, 48), 12)  # valid, just not the inputs' size: no note
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        translator.translate_guided(x, ref)
    with pytest.warns(ImageResizeWarning, match="reference"):
        style = translator.encode_style(random_images((3, 100, 90), 13))
    assert style.shape == (1, translator.style_dim)


def test_all_input_kinds_agree(translator, uint8_images, tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    paths = []
    for i, array in enumerate(uint8_images):
        paths.append(folder / f"{i}.png")
        Image.fromarray(array).save(paths[-1])
    batch = torch.stack([image_to_tensor(a) for a in uint8_images])  # (3, 3, 32, 32)
    reference = translator.translate_random(batch, "a2b", 2, seed=3)
    variants = {
        "folder": translator.translate_random(folder, "a2b", 2, seed=3),
        "paths": translator.translate_random(paths, "a2b", 2, seed=3),
        "string path": translator.translate_random(str(paths[1]), "a2b", 2, seed=3),
        "one image": translator.translate_random(batch[1], "a2b", 2, seed=3),
        "PIL": translator.translate_random(Image.fromarray(uint8_images[1]), "a2b", 2, seed=3),
        "uint8 array": translator.translate_random(uint8_images[1], "a2b", 2, seed=3),
        "uint8 tensor": translator.translate_random(torch.from_numpy(uint8_images[1]).permute(2, 0, 1), "a2b", 2,
                                                    seed=3),
        "list of tensors": translator.translate_random(list(batch), "a2b", 2, seed=3),
    }
    for name, out in variants.items():
        expected = reference if out.shape[0] == 3 else reference[1:2]
        assert_close(out, expected, msg=lambda m, name=name: f"{name}: {m}")


def test_load_images_names_and_folder_errors(tmp_path, uint8_images):
    Image.fromarray(uint8_images[0]).save(tmp_path / "cat.png")
    images, names = load_images(tmp_path)
    assert names == ["cat.png"] and images[0].shape == (3, 32, 32)
    gray, _ = load_images(tmp_path / "cat.png", channels=1)
    assert gray[0].shape == (1, 32, 32)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no images"):
        load_images(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="missing.png"):
        load_images(tmp_path / "missing.png")
    with pytest.raises(TypeError, match="unsupported"):
        load_images(3.5)


# ----------------------------------------------------------------------------- sizes
def test_huge_image_warns_and_is_resized(translator):
    with pytest.warns(ImageResizeWarning, match=r"200x300 -> 32x48") as record:
        out = translator.translate_random(random_images((3, 200, 300), 14), "a2b", 2)
    assert out.shape == (1, 2, 3, 32, 48)
    assert record[0].filename == __file__  # the note points at the caller's line, not at munit_lib


def test_off_grid_and_tiny_images_are_fitted(translator):
    with pytest.warns(ImageResizeWarning, match=r"34x35 -> 32x32"):
        assert translator.translate_random(random_images((3, 34, 35), 15), "a2b", 1).shape[-2:] == (32, 32)
    with pytest.warns(ImageResizeWarning, match=r"8x8 -> 32x32"):
        assert translator.translate_random(random_images((3, 8, 8), 16), "a2b", 1).shape[-2:] == (32, 32)
    with warnings.catch_warnings():  # a valid size is left alone, silently
        warnings.simplefilter("error")
        assert translator.translate_random(random_images((1, 3, 16, 24), 17), "a2b", 1).shape[-2:] == (16, 24)


def test_images_of_mixed_sizes_become_one_batch(translator):
    images = [random_images((3, 32, 32), 18), random_images((3, 32, 48), 19)]
    with pytest.warns(ImageResizeWarning, match="differ in size"):
        out = translator.translate_random(images, "a2b", 1)
    assert out.shape == (2, 1, 3, 32, 32)


def test_values_outside_the_range_warn(translator):
    with pytest.warns(UserWarning, match=r"\[-1, 1\]"):
        translator.translate_random(torch.rand(3, 32, 32) * 255, "a2b", 1)


# ----------------------------------------------------------------------------- errors
def test_wrong_style_length_names_the_expected_length(translator, x):
    with pytest.raises(ValueError, match=f"length {translator.style_dim}"):
        translator.translate(x, "a2b", torch.zeros(2, translator.style_dim + 1))
    with pytest.raises(ValueError, match=f"length {translator.style_dim}"):
        translator.translate_interpolated(x, torch.zeros(3), torch.zeros(3))
    with pytest.raises(ValueError, match="needs style codes"):
        translator.translate(x, "a2b")
    with pytest.raises(ValueError, match="one style code"):
        translator.translate_interpolated(x, torch.zeros(2, 8), torch.zeros(8))


def test_unknown_direction_lists_both(translator, x):
    for call in (lambda: translator.translate_random(x, "a2c"), lambda: translator.encode_style(x, "ab"),
                 lambda: translator.translate(x, "b-to-a", torch.zeros(translator.style_dim))):
        with pytest.raises(ValueError) as info:
            call()
        assert all(f"'{d}'" in str(info.value) for d in DIRECTIONS)
    assert translator.translate_random(x, "A2B", 1, seed=0).shape[0] == 2  # letter case does not matter


def test_non_image_file_raises_image_load_error(translator, tmp_path):
    fake = tmp_path / "notes.png"
    fake.write_text("this is not a picture")
    with pytest.raises(ImageLoadError, match="notes.png"):
        translator.translate_random(fake, "a2b", 1)
    with pytest.raises(ImageLoadError, match="notes.png"):
        translator.encode_style(fake, "a2b")


def test_wrong_channel_count_is_named(translator, x):
    with pytest.raises(ValueError, match=r"reference .* 4 channels.*domain b has 3"):
        translator.translate_guided(x, torch.zeros(1, 4, 32, 32), "a2b")
    with pytest.raises(ValueError, match=r"input .* 1 channels.*domain a has 3"):
        translator.translate_random(torch.zeros(1, 1, 32, 32), "a2b", 1)
    with pytest.raises(ValueError, match=r"\(C, H, W\) or \(B, C, H, W\)"):
        translator.translate_random(torch.zeros(32, 32), "a2b", 1)


def test_generators_of_different_style_lengths_are_refused(cfg):
    with pytest.raises(ValueError, match="style codes differ"):
        Translator(Generator(cfg), Generator(cfg.replace(style_dim=4)))


# ----------------------------------------------------------------------------- checkpoints and files
def test_from_checkpoint_round_trip(cfg, translator, x, tmp_path):
    path = export(translator.gen_a, translator.gen_b, cfg, tmp_path / "generators.pt")
    loaded = Translator.from_checkpoint(path)
    assert loaded.style_dim == cfg.style_dim and loaded.image_size == cfg.image_size
    assert not loaded.gen_a.training
    assert torch.equal(loaded.translate_random(x, "a2b", 2, seed=1), translator.translate_random(x, "a2b", 2, seed=1))
    official = tmp_path / "gen_00000010.pt"  # the original layout: no config, read off the weights
    torch.save({"a": translator.gen_a.state_dict(), "b": translator.gen_b.state_dict()}, official)
    assert Translator.from_checkpoint(official, cfg=cfg).style_dim == cfg.style_dim


def test_from_checkpoint_reads_the_file_once_and_from_data_equals_it(cfg, translator, x, tmp_path, monkeypatch):
    import munit_lib.official as official

    path = export(translator.gen_a, translator.gen_b, cfg, tmp_path / "generators.pt")
    reads = []
    real_load = official.torch.load
    monkeypatch.setattr(official.torch, "load", lambda *a, **k: reads.append(a[0]) or real_load(*a, **k))
    loaded = Translator.from_checkpoint(path)
    assert len(reads) == 1
    from_data = Translator.from_checkpoint_data(official.read_checkpoint(path), path)
    assert torch.equal(loaded.translate_random(x, "a2b", 2, seed=1), from_data.translate_random(x, "a2b", 2, seed=1))


def test_checkpoint_that_does_not_match_the_config_is_named(cfg, translator, tmp_path):
    path = export(translator.gen_a, translator.gen_b, cfg, tmp_path / "generators.pt")
    with pytest.raises(ValueError, match=r"does not match this network(.|\n)*mis-shaped"):
        Translator.from_checkpoint(path, cfg=MUNITConfig.profile_named("cpu"))
    with pytest.raises(ValueError, match="style_dim|mis-shaped"):
        Translator.from_checkpoint(path, cfg=cfg.replace(style_dim=4))


def test_save_translations_writes_files_and_grid(translator, x, tmp_path):
    out = translator.translate_random(x, "a2b", 3, seed=0)
    paths = save_translations(out, tmp_path / "out", inputs=x)
    assert len(paths) == 2 * 3 + 1 and all(p.is_file() for p in paths)
    assert paths[-1].name == "translation_grid.png"
    first = np.asarray(Image.open(paths[0]))
    assert first.shape == (32, 32, 3)
    expected = ((out[0, 0].clamp(-1, 1) + 1) / 2 * 255).permute(1, 2, 0).numpy()
    assert np.abs(first.astype(float) - expected).max() <= 1.0  # save_image rounds to 8 bits
    grid = Image.open(paths[-1])
    assert grid.size == (4 * 34 + 2, 2 * 34 + 2)  # (1 input + 3 styles) x 2 rows, 2-px padding
    single = save_translations(out[0, 0], tmp_path / "one", grid=False, prefix="x")
    assert [p.name for p in single] == ["x_000_000.png"]
    with pytest.raises(ValueError, match="shaped"):
        save_translations(torch.zeros(2, 2, 2, 3, 8, 8), tmp_path)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_translator_on_gpu_matches_cpu(cfg, x):
    cpu = Translator(*make_generators(cfg))
    gpu = Translator(*make_generators(cfg), device="cuda")
    out = gpu.translate_random(x, "a2b", 2, seed=1)
    assert out.device.type == "cuda"
    assert_close(out.cpu(), cpu.translate_random(x, "a2b", 2, seed=1), atol=1e-4, rtol=1e-4)


# ----------------------------------------------------------------------------- one translation path
def test_munit_translate_gives_the_translators_images(ci_cfg):
    """MUNIT.translate (networks, below translate.py) decodes what the Translator decodes, keeps the
    generators' train/eval modes, and leaves sizes the generators cannot take to the Translator."""
    from munit_lib import MUNIT

    torch.manual_seed(0)
    model = MUNIT(ci_cfg).train()
    x = random_images((2, 3, 32, 32), 1)
    styles = random_styles(2, ci_cfg.style_dim, seed=3)
    out = model.translate(x, "b2a", style=styles)
    assert model.gen_a.training and model.gen_b.training
    translator = Translator(model.gen_a, model.gen_b)
    content = translator.encode_content(x, "b2a")
    torch.testing.assert_close(out, translator.decode_pairwise(content, styles, "b2a")[:, 0], rtol=0, atol=0)
    model.train()  # (the Translator put the generators in eval mode)
    odd = random_images((1, 3, 34, 34), 2)  # not a multiple of 4: only the Translator fits it
    with pytest.raises(ValueError, match="multiples of 4"):
        model.translate(odd, "a2b", style=styles[:1])
    with pytest.raises(ValueError, match="length"):
        model.translate(x, "a2b", style=torch.zeros(2, ci_cfg.style_dim + 1))
    assert model.gen_a.training and model.gen_b.training  # restored after an error too


def test_every_random_style_comes_from_random_styles(ci_cfg):
    """MUNIT.random_style with a generator draws what random_styles draws from that generator."""
    from munit_lib import MUNIT

    model = MUNIT(ci_cfg)
    one = model.random_style(3, torch.Generator().manual_seed(9))
    two = random_styles(3, ci_cfg.style_dim, generator=torch.Generator().manual_seed(9))
    assert torch.equal(one, two) and not torch.equal(two, random_styles(3, ci_cfg.style_dim, seed=9 + 1))


def test_trainer_sample_grids_are_translator_outputs(tmp_path, ci_cfg):
    """The trainer's sample grids are its inputs followed by Translator.translate with the display styles."""
    from munit_lib.data import ShapesDomain
    from munit_lib.training import Trainer

    domains = (ShapesDomain("a", "train", 32, 4, 0), ShapesDomain("b", "train", 32, 4, 0))
    run = Trainer(ci_cfg.replace(display_size=2), tmp_path, datasets=domains, progress=False, tensorboard=False)
    grids = run.sample_grids()
    assert run.model.gen_a.training and run.model.gen_b.training  # modes restored
    x = run.display_batch(1)
    expected = Translator(run.model.gen_a, run.model.gen_b).translate(x, "b2a", run.display_styles)  # (n, k, ...)
    grid = grids["b2a"].reshape(len(x), 1 + len(run.display_styles), *x.shape[1:])
    torch.testing.assert_close(grid[:, 0], x)
    torch.testing.assert_close(grid[:, 1:], expected, rtol=0, atol=0)


# ----------------------------------------------------------------------------- one translation path
def test_the_batch_step_is_what_every_method_and_every_score_translates_with(cfg, monkeypatch):
    """Translator.decode_batch is the one place a generator decodes: the Translator's own methods, the
    shapes scores, the evaluation's and OpenMoji's model views all go through it, and give what the
    generators give called by hand."""
    from munit_lib.evaluation.evaluate import as_translator
    from munit_lib.evaluation.openmoji import openmoji_model
    from munit_lib.evaluation.shapes_score import score_shapes_model

    gen_a, gen_b = make_generators(cfg)
    x = random_images((3, 3, 32, 32), 5)
    s = torch.randn(3, cfg.style_dim, generator=torch.Generator().manual_seed(1))
    tr = Translator(gen_a, gen_b)
    by_hand = gen_b.decode(gen_a.encode_content(x), s)
    assert torch.equal(tr.translate_batch(x, s), by_hand)
    assert torch.equal(tr.decode_pairwise(gen_a.encode_content(x), s)[:, 0], by_hand)
    assert torch.equal(gen_b.decode(gen_a.encode_content(x), s[:1]), tr.translate_batch(x, s[:1]))  # one style for all
    assert torch.equal(tr.encode_style_batch(x, "b2a"), gen_a.encode_style(x))

    depth, calls = [], {"through the step": 0, "around it": 0}
    step, decode = Translator.decode_batch, Generator.decode

    def counted_step(self, *args, **kwargs):
        depth.append(1)
        try:
            return step(self, *args, **kwargs)
        finally:
            depth.pop()

    def counted_decode(self, *args, **kwargs):
        calls["through the step" if depth else "around it"] += 1
        return decode(self, *args, **kwargs)

    monkeypatch.setattr(Translator, "decode_batch", counted_step)
    monkeypatch.setattr(Generator, "decode", counted_decode)
    tr.translate_random(x, num_styles=2)
    tr.translate_guided(x, x[:2])
    score_shapes_model(gen_a, gen_b, n=2, num_styles=2, pair_styles=2, pair_inputs=1)
    assert torch.equal(as_translator((gen_a, gen_b))(x, s), by_hand)
    om = openmoji_model(tr)
    assert torch.equal(om.a2b(x, s), by_hand) and om.b2a(x).shape == x.shape
    assert torch.equal(om.encode_b(x), gen_b.encode_style(x))
    assert calls["through the step"] > 0 and calls["around it"] == 0, calls
