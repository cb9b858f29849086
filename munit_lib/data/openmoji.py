"""OpenMoji: real line art (domain A) and the same drawings coloured (domain B), with ground truth.

The OpenMoji project ("OpenMoji, the open-source emoji and icon project", HfG Schwaebisch
Gmuend) draws 4,495 emoji by hand, each as line art (``black/svg/``) and coloured (``color/svg/``),
under CC BY-SA 4.0. Line art to colour is an edges-to-colour task like the paper's edges2shoes,
and the pairs are aligned, so every translation can be measured against the true colouring.
Its metadata (``data/openmoji.json``) gives each emoji's group, subgroup, annotation and skin
tone (1-5, with the base emoji it varies): 330 base emoji come in five tones, a real multimodal
factor known for every image (``munit_lib.metrics.openmoji`` measures it).

``make_openmoji_dataset`` builds the folders from the npm package ``openmoji`` at the pinned
version (fetched with the npm client, or from a tarball you name; its SHA-256 is checked)::

    python -m munit_lib make-openmoji --size 64 --out data/openmoji64

and writes, in the original project's layout, ``trainA/ trainB/ testA/ testB/`` (the same file
names on both sides, ``<hexcode>.png``, so item i of A and B is one pair), ``metadata.csv`` (one
row per emoji kept) and ``LICENSE.md`` (the attribution the licence asks for).

Choices, and why:

* **Flags are left out** (the group ``flags`` and the flag subgroups of the extras, 324 emoji):
  a flag's line art is an empty rectangle, so nothing in the input says which colouring is
  right; a translator could only guess, and the measures would reward memorising flags.
* **A blank drawing is left out** too: one emoji's line art (``1F195``, "NEW button") renders
  as white alone. Besides saying nothing, a constant image has zero variance, so the content
  encoder's instance norms divide by the square root of their epsilon alone; the gradients that
  come back overflow and the next update turns the weights to NaN (it stopped two training runs
  at the iteration that drew it).
* **The split** is fixed by a hash of the *family* (an emoji's ``skintone_base_hexcode``, or its
  own hexcode): about 7% of families go to test, and the five tones of one base emoji always
  fall on the same side, so no test emoji's line art was seen in training under another tone.
* **An SVG that fails to render** (cairosvg cannot draw one of the 8,990:
  ``color/svg/1F3F4-E0065-E0073-E0063-E006D-E007F.svg``, a flag) is counted and skipped with
  its pair; the count is in the returned summary.
* Rasterising needs ``cairosvg`` (``pip install munit_lib[openmoji]``; it uses the system's
  libcairo). The 64-px set ships under ``data/openmoji64`` so that the course needs neither.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Callable, Iterable, Optional, Union

from PIL import Image
from tqdm.auto import tqdm

from .download import sha256_file

__all__ = ["OPENMOJI_VERSION", "OPENMOJI_SHA256", "OPENMOJI_CREDIT", "SKIN_TONES", "SKIN_SHADOWS", "EMOJI_YELLOW",
           "EmojiRecord", "is_flag", "family_of", "split_of", "read_openmoji_metadata", "fetch_openmoji_package",
           "rasterise_svg", "is_blank", "make_openmoji_dataset", "read_metadata_table", "OpenMojiMissingDependency"]

PathLike = Union[str, os.PathLike]

OPENMOJI_VERSION = "17.0.0"
# SHA-256 of openmoji-17.0.0.tgz as the npm registry serves it (npm's own integrity: sha512-EBnYrNGd...)
OPENMOJI_SHA256 = "55ee7d13485dec86e9f38c1f3a645a13382d33ff97c0cd845ee824b0aef45e68"
OPENMOJI_CREDIT = ("OpenMoji, the open-source emoji and icon project (HfG Schwaebisch Gmuend), "
                   "https://openmoji.org, licensed under CC BY-SA 4.0")
# data/color-palette.json, "skintones": the five Fitzpatrick fills, and the shadow drawn beside each
SKIN_TONES = ("#fadcbc", "#debb90", "#c19a65", "#a57939", "#6a462f")
SKIN_SHADOWS = ("#debb90", "#c19a65", "#a57939", "#6a462f", "#352318")
EMOJI_YELLOW = "#fcea2b"  # the face and hands of an emoji with no tone
TEST_PERCENT = 7          # families whose hash falls below this (of 100) are the test split
FLAG_SUBGROUPS = ("flag", "flags", "country-flag", "subdivision-flag")


class OpenMojiMissingDependency(ImportError, ValueError):
    """Rasterising the SVGs needs cairosvg (and the system's libcairo); a ValueError too, so the command
    line prints it on one line."""


@dataclass(frozen=True)
class EmojiRecord:
    """One emoji of the package's ``data/openmoji.json``, as kept in ``metadata.csv``.

    ``skintone`` is ``0`` for an emoji with no tone, 1-5 for one tone, and ``-1`` for the
    ZWJ sequences that mix two tones (their ``skintones`` field keeps both, e.g. ``"1,3"``)."""

    hexcode: str
    group: str
    subgroup: str
    annotation: str
    skintone: int
    skintones: str
    base_hexcode: str
    split: str = ""


def is_flag(entry: dict) -> bool:
    """Whether an entry of ``openmoji.json`` is a flag (its line art is a blank rectangle)."""
    return entry.get("group") == "flags" or entry.get("subgroups") in FLAG_SUBGROUPS


def family_of(entry: dict) -> str:
    """The base emoji an entry varies (its own hexcode when it has no skin tone)."""
    return entry.get("skintone_base_hexcode") or entry["hexcode"]


def split_of(family: str) -> str:
    """``"test"`` for about 7% of families, fixed by a hash of the family's hexcode, else ``"train"``."""
    bucket = int(hashlib.sha256(family.encode("ascii")).hexdigest(), 16) % 100
    return "test" if bucket < TEST_PERCENT else "train"


def _record(entry: dict) -> EmojiRecord:
    tones = str(entry.get("skintone") or "")
    tone = 0 if not tones else (int(tones) if tones.isdigit() else -1)
    family = family_of(entry)
    return EmojiRecord(hexcode=entry["hexcode"], group=entry.get("group", ""), subgroup=entry.get("subgroups", ""),
                       annotation=entry.get("annotation", ""), skintone=tone, skintones=tones,
                       base_hexcode=family, split=split_of(family))


def read_openmoji_metadata(data: bytes) -> list[EmojiRecord]:
    """Every non-flag emoji of the package's ``openmoji.json`` (its bytes), in the package's order."""
    try:
        entries = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"openmoji.json is not valid JSON: {error}") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "hexcode" in e for e in entries):
        raise ValueError("openmoji.json should be a list of emoji entries, each with a 'hexcode'")
    return [_record(e) for e in entries if not is_flag(e)]


# ----------------------------------------------------------------------------- the package
def fetch_openmoji_package(dest: PathLike, npm: str = "npm") -> Path:
    """``npm pack openmoji@OPENMOJI_VERSION`` into ``dest`` (a folder): the tarball's path.

    Explicit and never run behind your back (it needs the network). The checksum is checked by
    ``make_openmoji_dataset``, which reads the tarball."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / f"openmoji-{OPENMOJI_VERSION}.tgz"
    if target.is_file():
        return target
    if shutil.which(npm) is None:
        raise FileNotFoundError(f"the npm client ({npm!r}) is not installed: install Node.js, or download "
                                f"openmoji-{OPENMOJI_VERSION}.tgz yourself and pass it with --tarball")
    result = subprocess.run([npm, "pack", f"openmoji@{OPENMOJI_VERSION}", "--pack-destination", str(dest)],
                            capture_output=True, text=True)
    if result.returncode != 0 or not target.is_file():
        raise RuntimeError(f"npm pack openmoji@{OPENMOJI_VERSION} failed: {result.stderr.strip()[-500:]}")
    return target


class _Package:
    """Reads named members of the npm tarball without extracting it (no path on disk is written,
    so a hostile archive cannot place files anywhere)."""

    def __init__(self, tarball: Path) -> None:
        try:
            self._tar = tarfile.open(tarball, "r:gz")
            self._members = {m.name: m for m in self._tar.getmembers() if m.isfile()}
        except (tarfile.TarError, OSError, EOFError) as error:
            raise ValueError(f"{tarball} is not a readable .tgz archive ({error}): fetch it again") from None

    def read(self, name: str) -> Optional[bytes]:
        member = self._members.get(f"package/{name}")
        if member is None:
            return None
        handle = self._tar.extractfile(member)
        return handle.read() if handle is not None else None

    def close(self) -> None:
        self._tar.close()


def _cairosvg():
    try:
        import cairosvg  # optional: munit_lib[openmoji]
    except (ImportError, OSError) as error:  # OSError: cairocffi found no libcairo
        raise OpenMojiMissingDependency(
            "rasterising OpenMoji's SVGs needs cairosvg and the system's libcairo: "
            "pip install 'munit_lib[openmoji]' (and apt-get install libcairo2 if it is missing), "
            f"or use the shipped 64-px set in data/openmoji64 ({error})") from None
    return cairosvg


def rasterise_svg(svg: bytes, size: int) -> Image.Image:
    """One SVG drawn on white at ``size`` x ``size`` pixels, as an RGB image.
    Raises ``ValueError`` naming cairosvg's complaint when the SVG cannot be drawn."""
    cairosvg = _cairosvg()
    try:
        png = cairosvg.svg2png(bytestring=svg, output_width=size, output_height=size, background_color="white")
        return Image.open(io.BytesIO(png)).convert("RGB")
    except Exception as error:  # cairosvg raises many kinds (marker, parse, value errors)
        raise ValueError(f"{type(error).__name__}: {error}") from None


def is_blank(image: Image.Image) -> bool:
    """Whether a drawing has no dark pixel at all (nothing darker than mid-grey): nothing to translate."""
    return image.convert("L").getextrema()[0] >= 128


# ----------------------------------------------------------------------------- the folders
def _write_table(path: Path, records: Iterable[EmojiRecord]) -> None:
    names = [f.name for f in fields(EmojiRecord)]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(names)
        for r in records:
            writer.writerow([getattr(r, n) for n in names])


def read_metadata_table(root: PathLike) -> list[EmojiRecord]:
    """The rows of ``root/metadata.csv`` written by ``make_openmoji_dataset``."""
    path = Path(root) / "metadata.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: build the set with `python -m munit_lib make-openmoji "
                                f"--out {root}` or use the shipped data/openmoji64")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    expected = {f.name for f in fields(EmojiRecord)}
    if not rows or set(rows[0]) != expected:
        raise ValueError(f"{path} does not have the columns {sorted(expected)}")
    return [EmojiRecord(**{**r, "skintone": int(r["skintone"])}) for r in rows]


def _licence_text(n_pairs: int, size: int) -> str:
    return (f"# OpenMoji {OPENMOJI_VERSION}, rasterised at {size} px\n\n"
            f"The images in this folder ({n_pairs} pairs of line art and colour) are derived from\n"
            f"{OPENMOJI_CREDIT}.\n"
            "Like the originals, they are licensed under the Creative Commons Attribution-ShareAlike 4.0\n"
            "International licence: https://creativecommons.org/licenses/by-sa/4.0/\n\n"
            "Changes: the SVGs of `black/svg/` and `color/svg/` were rasterised on white with cairosvg,\n"
            "flags and blank drawings were left out, and the emoji were split into train and test by `munit_lib.data.openmoji`.\n")


def make_openmoji_dataset(out: PathLike, size: int = 64, tarball: Optional[PathLike] = None,
                          overwrite: bool = False, progress: bool = True,
                          expected_sha256: Optional[str] = OPENMOJI_SHA256,
                          rasterise: Callable[[bytes, int], Image.Image] = rasterise_svg) -> dict:
    """Build ``out/{trainA,trainB,testA,testB}/<hexcode>.png``, ``out/metadata.csv`` and
    ``out/LICENSE.md`` from the OpenMoji package; returns a summary (pairs per split, skipped SVGs).

    ``tarball``: the package's ``.tgz`` (default: fetched with ``npm pack`` into a temporary
    folder). Its SHA-256 must equal ``expected_sha256`` (``None`` skips the check, for tests and
    other versions). The folder is built beside ``out`` and moved into place at the end, so
    ``out`` is either absent or complete; an existing ``out`` is refused unless ``overwrite``."""
    out = Path(out)
    if size < 8:
        raise ValueError(f"--size {size}: give at least 8 pixels (64 is the course's, 256 the paper's)")
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} already exists: pass --overwrite (overwrite=True) to build it again")
    if rasterise is rasterise_svg:
        _cairosvg()  # fail before any work when cairosvg is missing
    with tempfile.TemporaryDirectory() as scratch:
        tarball = Path(tarball) if tarball is not None else fetch_openmoji_package(scratch)
        if not tarball.is_file():
            raise FileNotFoundError(f"--tarball {tarball} is not a file")
        if expected_sha256 is not None:
            digest = sha256_file(tarball)
            if digest != expected_sha256:
                raise ValueError(f"{tarball} has SHA-256 {digest}, not openmoji@{OPENMOJI_VERSION}'s "
                                 f"{expected_sha256}: fetch it again with npm pack openmoji@{OPENMOJI_VERSION}")
        package = _Package(tarball)
        try:
            summary = _build(package, out, size, progress, rasterise)
        finally:
            package.close()
    return summary


def _build(package: _Package, out: Path, size: int, progress: bool,
           rasterise: Callable[[bytes, int], Image.Image]) -> dict:
    meta = package.read("data/openmoji.json")
    if meta is None:
        raise ValueError("the tarball holds no package/data/openmoji.json: is it the openmoji package?")
    records = read_openmoji_metadata(meta)
    n_flags = len(json.loads(meta)) - len(records)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for folder in ("trainA", "trainB", "testA", "testB"):
            (staging / folder).mkdir()
        kept, skipped, blank = [], [], []
        for record in tqdm(records, desc=f"OpenMoji at {size}px", unit="emoji", disable=not progress):
            images = {}
            for side, folder in (("A", "black"), ("B", "color")):
                svg = package.read(f"{folder}/svg/{record.hexcode}.svg")
                if svg is None:
                    skipped.append((f"{folder}/svg/{record.hexcode}.svg", "missing from the package"))
                    break
                try:
                    images[side] = rasterise(svg, size)
                except ValueError as error:
                    skipped.append((f"{folder}/svg/{record.hexcode}.svg", str(error)))
                    break
            if len(images) != 2:  # a pair is kept only when both of its drawings render
                continue
            if is_blank(images["A"]):
                blank.append(record.hexcode)
                continue
            for side, image in images.items():
                image.save(staging / f"{record.split}{side}" / f"{record.hexcode}.png", optimize=True)
            kept.append(record)
        if not kept:
            raise ValueError("no emoji rendered: nothing to write")
        _write_table(staging / "metadata.csv", kept)
        (staging / "LICENSE.md").write_text(_licence_text(len(kept), size), encoding="utf-8")
        summary = {"version": OPENMOJI_VERSION, "size": size,
                   "train": sum(r.split == "train" for r in kept), "test": sum(r.split == "test" for r in kept),
                   "flags_left_out": n_flags, "blank_left_out": blank,
                   "skipped": [{"file": f, "error": e} for f, e in skipped]}
        (staging / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return summary
