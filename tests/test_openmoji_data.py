"""OpenMoji data: make-openmoji from a tiny package built here (no network), and the shipped 64-px set."""
import csv
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from munit_lib.cli import main
from munit_lib.data import openmoji as om
from munit_lib.data.openmoji import (EmojiRecord, OpenMojiMissingDependency, family_of, is_flag,
                                     make_openmoji_dataset, read_metadata_table, read_openmoji_metadata, split_of)

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data" / "openmoji64"


def _svg(fill: str) -> bytes:
    return (f'<svg viewBox="0 0 72 72" xmlns="http://www.w3.org/2000/svg"><circle cx="36" cy="36" r="20" '
            f'fill="{fill}" stroke="#000000" stroke-width="4"/></svg>').encode()


def _entry(hexcode, group="people-body", subgroup="hand", tone="", base=""):
    return {"emoji": "?", "hexcode": hexcode, "group": group, "subgroups": subgroup, "annotation": f"emoji {hexcode}",
            "skintone": tone, "skintone_base_hexcode": base}


# a family of three tones, an untoned emoji, a flag, one whose colour SVG is broken, one missing its SVGs
ENTRIES = [_entry("1F44B"), _entry("1F44B-1F3FB", tone=1, base="1F44B"), _entry("1F44B-1F3FC", tone=2, base="1F44B"),
           _entry("1F44B-1F3FF", tone=5, base="1F44B"), _entry("1F600", "smileys-emotion", "face-smiling"),
           _entry("1F1EB-1F1F7", "flags", "country-flag"), _entry("BROKEN", "objects", "tool"),
           _entry("MISSING", "objects", "tool"), _entry("1F9D1-1F3FB-200D-1F9D1-1F3FF", tone="1,5", base="1F9D1"),
           _entry("1F195", "symbols", "alphanum")]
FILLS = {"1F44B": "#fcea2b", "1F44B-1F3FB": "#fadcbc", "1F44B-1F3FC": "#debb90", "1F44B-1F3FF": "#6a462f",
         "1F600": "#fcea2b", "1F1EB-1F1F7": "#1e50a0", "1F9D1-1F3FB-200D-1F9D1-1F3FF": "#a57939"}


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(f"package/{name}")
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


@pytest.fixture
def tiny_package(tmp_path):
    path = tmp_path / "openmoji-tiny.tgz"
    with tarfile.open(path, "w:gz") as tar:
        _add(tar, "data/openmoji.json", json.dumps(ENTRIES).encode())
        for hexcode, fill in FILLS.items():
            _add(tar, f"black/svg/{hexcode}.svg", _svg("none"))
            _add(tar, f"color/svg/{hexcode}.svg", _svg(fill))
        _add(tar, "black/svg/BROKEN.svg", _svg("none"))
        # a line drawing with nothing in it (drawn white on white): left out as blank
        _add(tar, "black/svg/1F195.svg", _svg("none").replace(b'stroke="#000000"', b'stroke="#ffffff"'))
        _add(tar, "color/svg/1F195.svg", _svg("#1e50a0"))
        _add(tar, "color/svg/BROKEN.svg", b"<svg this is not xml")
    return path


def fake_rasterise(svg: bytes, size: int) -> Image.Image:
    """A stand-in for cairosvg that reads the circle's fill from the test's own SVGs."""
    text = svg.decode(errors="replace")
    if 'fill="' not in text:
        raise ValueError("ParseError: not an SVG")
    fill = text.split('fill="', 1)[1].split('"', 1)[0]
    stroke = text.split('stroke="', 1)[1].split('"', 1)[0] if 'stroke="' in text else "#000000"
    img = Image.new("RGB", (size, size), "white")
    ImageDraw.Draw(img).ellipse([size // 4, size // 4, 3 * size // 4, 3 * size // 4],
                                fill=None if fill == "none" else fill, outline=stroke, width=max(1, size // 16))
    return img


def test_flags_families_and_split_rules():
    assert is_flag({"group": "flags", "subgroups": "country-flag"})
    assert is_flag({"group": "extras-unicode", "subgroups": "subdivision-flag"})
    assert not is_flag({"group": "people-body", "subgroups": "hand-fingers-open"})
    assert family_of({"hexcode": "1F44B-1F3FB", "skintone_base_hexcode": "1F44B"}) == "1F44B"
    assert family_of({"hexcode": "1F600", "skintone_base_hexcode": ""}) == "1F600"
    assert split_of("1F44B") in ("train", "test") and split_of("1F44B") == split_of("1F44B")
    # about 7% of families are test: over many made-up families the share is near it
    share = sum(split_of(f"X{i}") == "test" for i in range(4000)) / 4000
    assert 0.05 < share < 0.09


def test_metadata_parsing_keeps_tones_and_drops_flags():
    records = read_openmoji_metadata(json.dumps(ENTRIES).encode())
    by_code = {r.hexcode: r for r in records}
    assert "1F1EB-1F1F7" not in by_code  # the flag
    assert by_code["1F44B-1F3FC"].skintone == 2 and by_code["1F44B-1F3FC"].base_hexcode == "1F44B"
    assert by_code["1F600"].skintone == 0
    assert by_code["1F9D1-1F3FB-200D-1F9D1-1F3FF"].skintone == -1  # two tones
    assert by_code["1F9D1-1F3FB-200D-1F9D1-1F3FF"].skintones == "1,5"
    # one family, one side of the split
    assert len({by_code[h].split for h in ("1F44B", "1F44B-1F3FB", "1F44B-1F3FC", "1F44B-1F3FF")}) == 1
    with pytest.raises(ValueError, match="not valid JSON"):
        read_openmoji_metadata(b"{oops")
    with pytest.raises(ValueError, match="hexcode"):
        read_openmoji_metadata(b'[{"group": "x"}]')


def test_make_openmoji_from_a_tiny_package(tiny_package, tmp_path):
    out = tmp_path / "om"
    summary = make_openmoji_dataset(out, size=32, tarball=tiny_package, expected_sha256=None, progress=False,
                                    rasterise=fake_rasterise)
    assert summary["flags_left_out"] == 1
    assert summary["blank_left_out"] == ["1F195"]  # white on white: nothing to translate
    skipped = {s["file"] for s in summary["skipped"]}
    assert skipped == {"color/svg/BROKEN.svg", "black/svg/MISSING.svg"}  # counted and skipped, no crash
    records = read_metadata_table(out)
    kept = {r.hexcode for r in records}
    assert kept == {"1F44B", "1F44B-1F3FB", "1F44B-1F3FC", "1F44B-1F3FF", "1F600", "1F9D1-1F3FB-200D-1F9D1-1F3FF"}
    assert summary["train"] + summary["test"] == len(records)
    for r in records:  # aligned pairs: the same name on both sides of its split, at the size asked
        a, b = out / f"{r.split}A" / f"{r.hexcode}.png", out / f"{r.split}B" / f"{r.hexcode}.png"
        assert Image.open(a).size == Image.open(b).size == (32, 32)
    assert "CC BY-SA 4.0" in (out / "LICENSE.md").read_text()
    assert json.loads((out / "summary.json").read_text())["flags_left_out"] == 1
    with open(out / "metadata.csv", newline="") as f:
        assert next(csv.reader(f)) == [field for field in EmojiRecord.__dataclass_fields__]
    with pytest.raises(FileExistsError, match="--overwrite"):
        make_openmoji_dataset(out, size=32, tarball=tiny_package, expected_sha256=None, progress=False,
                              rasterise=fake_rasterise)


def test_the_checksum_is_checked_and_nothing_is_left_behind(tiny_package, tmp_path):
    out = tmp_path / "om"
    with pytest.raises(ValueError, match="SHA-256"):
        make_openmoji_dataset(out, tarball=tiny_package, progress=False, rasterise=fake_rasterise)
    digest = hashlib.sha256(tiny_package.read_bytes()).hexdigest()
    make_openmoji_dataset(out, size=16, tarball=tiny_package, expected_sha256=digest, progress=False,
                          rasterise=fake_rasterise)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".om.")]  # no staging folder left


def test_bad_inputs_are_named(tiny_package, tmp_path):
    with pytest.raises(ValueError, match="at least 8"):
        make_openmoji_dataset(tmp_path / "x", size=4, tarball=tiny_package, expected_sha256=None,
                              rasterise=fake_rasterise)
    with pytest.raises(FileNotFoundError, match="--tarball"):
        make_openmoji_dataset(tmp_path / "x", tarball=tmp_path / "none.tgz", expected_sha256=None,
                              rasterise=fake_rasterise)
    junk = tmp_path / "junk.tgz"
    junk.write_bytes(b"not a tarball")
    with pytest.raises(ValueError, match="not a readable .tgz"):
        make_openmoji_dataset(tmp_path / "x", tarball=junk, expected_sha256=None, rasterise=fake_rasterise)
    assert not (tmp_path / "x").exists()
    with pytest.raises(FileNotFoundError, match="make-openmoji"):
        read_metadata_table(tmp_path)


def test_missing_cairosvg_is_a_clear_error(monkeypatch, tiny_package, tmp_path):
    import builtins

    real_import = builtins.__import__

    def no_cairo(name, *args, **kwargs):
        if name == "cairosvg":
            raise ImportError("No module named 'cairosvg'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_cairo)
    with pytest.raises(OpenMojiMissingDependency, match=r"munit_lib\[openmoji\]"):
        make_openmoji_dataset(tmp_path / "x", tarball=tiny_package, expected_sha256=None)
    assert main(["make-openmoji", "--out", str(tmp_path / "y"), "--tarball", str(tiny_package)]) == 2


def test_real_rasteriser_draws_the_tiny_package(tiny_package, tmp_path, capsys):
    pytest.importorskip("cairosvg", reason="cairosvg (munit_lib[openmoji]) draws the real SVGs")
    # through the command line, as a user runs it (the checksum is the real package's: skip it here)
    out = tmp_path / "om"
    summary = make_openmoji_dataset(out, size=24, tarball=tiny_package, expected_sha256=None, progress=False)
    assert {s["file"] for s in summary["skipped"]} == {"color/svg/BROKEN.svg", "black/svg/MISSING.svg"}
    assert summary["blank_left_out"] == ["1F195"]
    r = next(r for r in read_metadata_table(out) if r.hexcode == "1F44B-1F3FF")
    img = Image.open(out / f"{r.split}B" / f"{r.hexcode}.png").convert("RGB")
    assert img.size == (24, 24)
    assert img.getpixel((0, 0)) == (255, 255, 255)  # drawn on white
    centre = img.getpixel((12, 12))
    assert max(abs(c - t) for c, t in zip(centre, (0x6A, 0x46, 0x2F))) < 8  # the dark tone's fill


def test_fetch_without_npm_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="--tarball"):
        om.fetch_openmoji_package(tmp_path, npm="no-such-npm-client")


def test_shipped_set_is_complete_and_credited():
    records = read_metadata_table(SHIPPED)
    assert len(records) == 4170  # 4,495 emoji less 324 flags and one blank drawing, every pair rendered
    assert json.loads((SHIPPED / "summary.json").read_text())["blank_left_out"] == ["1F195"]
    assert sum(r.split == "test" for r in records) == 310
    for split in ("train", "test"):
        names_a = sorted(p.name for p in (SHIPPED / f"{split}A").iterdir())
        names_b = sorted(p.name for p in (SHIPPED / f"{split}B").iterdir())
        assert names_a == names_b == sorted(f"{r.hexcode}.png" for r in records if r.split == split)
    families = {}
    for r in records:
        families.setdefault(r.base_hexcode, set()).add(r.split)
    assert all(len(sides) == 1 for sides in families.values())  # no family on both sides
    assert sum(1 <= r.skintone <= 5 and r.split == "test" for r in records) == 140
    # the licence and credit are what make-openmoji writes for this set
    assert (SHIPPED / "LICENSE.md").read_text() == om._licence_text(len(records), 64)
    first_test = next(r for r in records if r.split == "test")
    with Image.open(SHIPPED / "testB" / f"{first_test.hexcode}.png") as img:
        assert img.size == (64, 64) and img.mode == "RGB"
