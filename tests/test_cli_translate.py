"""``python -m munit_lib translate`` and ``demo``: files written, both checkpoint kinds, clear errors."""
from __future__ import annotations

import pytest
import torch
from PIL import Image

from munit_lib import MUNIT, MUNITConfig
from munit_lib.cli import main
from munit_lib.data import ShapesDomain
from munit_lib.training import atomic_save, export_generators


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A ci-profile model saved both as a generator export and as a training-style checkpoint."""
    folder = tmp_path_factory.mktemp("model")
    cfg = MUNITConfig.profile_named("ci")
    torch.manual_seed(0)
    model = MUNIT(cfg)
    export_generators(model.gen_a, model.gen_b, folder / "pretrained" / "shapes" / "generators.pt", cfg)
    return folder, cfg


@pytest.fixture
def sketches(tmp_path):
    folder = tmp_path / "inputs"
    folder.mkdir()
    data = ShapesDomain("a", "test", 32, 3, 0)
    for i in range(3):
        Image.fromarray(data.image(i)).save(folder / f"sketch{i}.png")
    return folder


def test_translate_a_folder_with_random_styles(tmp_path, exported, sketches, capsys):
    folder, _ = exported
    out = tmp_path / "out"
    assert main(["translate", "--checkpoint", str(folder / "pretrained" / "shapes" / "generators.pt"), "--input",
                 str(sketches), "--direction", "a2b", "--num-styles", "4", "--out", str(out)]) == 0
    files = sorted(p.name for p in out.glob("sketch*_*.png"))
    assert len(files) == 12 and files[0] == "sketch0_00.png"
    with Image.open(out / "grid.png") as grid:  # 3 rows of input + 4 styles, 32 px and 2 px padding
        assert grid.size == (5 * 32 + 6 * 2, 3 * 32 + 4 * 2)
    assert "12 images" in capsys.readouterr().out
    # the same seed writes the same pixels
    again = tmp_path / "again"
    assert main(["translate", "--checkpoint", str(folder / "pretrained" / "shapes" / "generators.pt"), "--input",
                 str(sketches), "--num-styles", "4", "--out", str(again)]) == 0
    assert (again / "sketch1_02.png").read_bytes() == (out / "sketch1_02.png").read_bytes()


def test_translate_with_a_reference_style_from_a_training_checkpoint(tmp_path, exported, sketches):
    _, cfg = exported
    torch.manual_seed(1)
    model = MUNIT(cfg)
    state = {"format": "munit_lib.checkpoint/1", "iteration": 0, "config": cfg.to_dict(),
             "model": model.state_dict(), "ema": None}
    atomic_save(state, tmp_path / "last.pt")
    reference = tmp_path / "ref.png"
    Image.fromarray(ShapesDomain("b", "test", 32, 1, 0).image(0)).save(reference)
    out = tmp_path / "guided"
    assert main(["translate", "--checkpoint", str(tmp_path / "last.pt"), "--input", str(sketches / "sketch0.png"),
                 "--style", str(reference), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["grid.png", "sketch0_00.png"]


def test_translate_names_a_bad_image_and_a_bad_checkpoint(tmp_path, exported, capsys):
    folder, _ = exported
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    assert main(["translate", "--checkpoint", str(folder / "pretrained" / "shapes" / "generators.pt"),
                 "--input", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "bad.png" in capsys.readouterr().err
    junk = tmp_path / "junk.pt"
    torch.save({"weights": torch.zeros(2)}, junk)
    assert main(["translate", "--checkpoint", str(junk), "--input", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "junk.pt" in capsys.readouterr().err


def test_translate_resizes_a_huge_image_with_a_note(tmp_path, exported, capsys):
    folder, _ = exported
    huge = tmp_path / "huge.png"
    Image.new("RGB", (300, 200), "white").save(huge)
    out = tmp_path / "o"
    assert main(["translate", "--checkpoint", str(folder / "pretrained" / "shapes" / "generators.pt"),
                 "--input", str(huge), "--num-styles", "1", "--out", str(out)]) == 0
    assert "note: resized" in capsys.readouterr().err
    with Image.open(out / "huge_00.png") as img:
        assert min(img.size) == 32


def test_demo_uses_the_shipped_weights_and_says_where_the_grids_are(tmp_path, exported, monkeypatch, capsys):
    folder, _ = exported
    monkeypatch.setenv("MUNIT_DATA_DIR", str(folder))
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 0
    printed = capsys.readouterr().out
    for name in ("demo_a2b.png", "demo_b2a.png"):
        assert (tmp_path / "demo" / name).is_file() and name in printed
    monkeypatch.setenv("MUNIT_DATA_DIR", str(tmp_path / "empty"))
    assert main(["demo", "--out", str(tmp_path / "demo2")]) == 2
    assert "recreate" in capsys.readouterr().err.lower()
