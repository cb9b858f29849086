"""munit_lib.registry: every model by name, and the one loader of generators (``load_generators``)
for every file munit_lib reads: our exports, training checkpoints with and without their EMA,
the baselines' files; never a file that carries pickled code."""
from __future__ import annotations

import pytest
import torch

from munit_lib import MUNIT
from munit_lib.registry import (MODELS, build_model, discriminator_modules, generator_modules, load_generators,
                                load_model)
from munit_lib.training import atomic_save, export_generators, export_model, make_optimizers
from munit_lib.translate import Translator


def _same(module: torch.nn.Module, state: dict) -> bool:
    return all(torch.equal(v, state[k]) for k, v in module.state_dict().items())


@pytest.fixture()
def trained(ci_cfg):
    """A MUNIT and an 'averaged' copy of its generators that differs from it."""
    torch.manual_seed(0)
    model = MUNIT(ci_cfg)
    torch.manual_seed(1)
    other = MUNIT(ci_cfg)
    ema = {"decay": 0.9, "gen_a": other.gen_a.state_dict(), "gen_b": other.gen_b.state_dict()}
    return model, ema


def test_a_training_checkpoint_gives_its_ema_or_its_raw_generators(tmp_path, ci_cfg, trained):
    model, ema = trained
    path = atomic_save({"format": "munit_lib.checkpoint/1", "iteration": 3, "config": ci_cfg.to_dict(),
                        "model": model.state_dict(), "ema": ema}, tmp_path / "last.pt")
    gen_a, gen_b = load_generators(path)
    assert _same(gen_a, ema["gen_a"]) and _same(gen_b, ema["gen_b"]) and not gen_a.training
    raw_a, raw_b = load_generators(path, use_ema=False)
    assert _same(raw_a, model.gen_a.state_dict()) and _same(raw_b, model.gen_b.state_dict())
    translator = Translator.from_checkpoint(path, use_ema=False)  # the Translator loads through it
    assert _same(translator.gen_a, model.gen_a.state_dict())


def test_an_export_loads_its_generators(tmp_path, ci_cfg, trained):
    model, _ = trained
    path = export_generators(model.gen_a, model.gen_b, tmp_path / "gen.pt", ci_cfg)
    gen_a, gen_b = load_generators(path)
    assert _same(gen_a, model.gen_a.state_dict()) and _same(gen_b, model.gen_b.state_dict())


def test_a_baseline_export_loads_as_its_translation_sides(tmp_path, ci_cfg):
    cfg = ci_cfg.replace(model="cyclegan", image_size=64, new_size=64)
    torch.manual_seed(0)
    model = build_model(cfg)
    path = export_model(model, tmp_path / "cyclegan.pt", cfg)
    side_a, side_b = load_generators(path)
    loaded, _ = load_model(path)
    x = torch.rand(1, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        torch.testing.assert_close(side_b.decode(side_a.encode_content(x)), loaded.gen_b(x), rtol=0, atol=0)


class Payload:  # a class, so pickling an instance records a GLOBAL that unpickling would import
    pass


def test_a_file_carrying_pickled_code_is_refused_by_every_loader(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"a": Payload(), "b": {}}, path)
    for load in (load_generators, load_model, Translator.from_checkpoint):
        with pytest.raises(ValueError, match="pickled Python code or objects"):
            load(path)


def test_every_model_has_one_optimiser_per_side(ci_cfg):
    """make_optimizers covers the networks registry names for each side, for MUNIT and every baseline."""
    for name in MODELS:
        cfg = ci_cfg.replace(model=name, image_size=64, new_size=64)
        model = build_model(cfg)
        opt_gen, opt_dis = make_optimizers(model)
        for opt, modules in ((opt_gen, generator_modules(model)), (opt_dis, discriminator_modules(model))):
            held = {id(p) for group in opt.param_groups for p in group["params"]}
            assert held == {id(p) for m in modules for p in m.parameters()}, name
        assert opt_gen.param_groups[0]["lr"] == cfg.lr
