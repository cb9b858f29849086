"""Real image domains: listing, robust decoding, transforms, pairs -> unpaired, the loader."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from PIL import Image

from munit_lib import MUNITConfig
from munit_lib.data import (ImageFolderDomain, ImageLoadError, ShapesDomain, UnpairedLoader, list_images, load_image,
                            make_shapes_dataset, read_file_list, split_side_by_side, test_transform, train_transform,
                            batch_stream, unpaired_domains, unpaired_loader)
from munit_lib.data.folders import _normalise_mode

EXPECTED = re.escape("expected image files (.jpg, .jpeg, .png, .bmp, .webp) in")


def save(path, size=(8, 6), colour=(200, 30, 30), mode="RGB", **kw):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, colour).save(path, **kw)
    return path


def gradient(w, h):
    """An RGB image whose red channel is the column and green the row: every crop is recognisable."""
    x = np.zeros((h, w, 3), dtype=np.uint8)
    x[..., 0] = np.arange(w)[None, :]
    x[..., 1] = np.arange(h)[:, None]
    return Image.fromarray(x)


# ----------------------------------------------------------------------------- listing
def test_list_images_recursive_sorted_case_insensitive(tmp_path):
    for name in ["b.png", "a.JPG", "sub/c.Jpeg", "sub/deeper/d.bmp", "e.webp", "z/f.PNG"]:
        save(tmp_path / name, format={"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "bmp": "BMP",
                                       "webp": "WEBP"}[name.rsplit(".", 1)[1].lower()])
    (tmp_path / "notes.txt").write_text("not an image")
    save(tmp_path / ".ipynb_checkpoints" / "x.png")
    save(tmp_path / ".hidden.png")
    found = [p.relative_to(tmp_path).as_posix() for p in list_images(tmp_path)]
    assert found == ["a.JPG", "b.png", "e.webp", "sub/c.Jpeg", "sub/deeper/d.bmp", "z/f.PNG"]


def test_missing_and_empty_folders_say_what_they_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match=EXPECTED):
        ImageFolderDomain(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt.bak").write_text("x")
    with pytest.raises(ValueError, match=EXPECTED) as err:
        ImageFolderDomain(tmp_path / "empty")
    assert str(tmp_path / "empty") in str(err.value)


def test_file_list_relative_to_its_folder(tmp_path):
    save(tmp_path / "imgs" / "one.png")
    save(tmp_path / "imgs" / "two.jpg", colour=(0, 0, 255))
    listing = tmp_path / "lists" / "train_a.txt"
    listing.parent.mkdir()
    listing.write_text("# domain A\n../imgs/two.jpg\n\n../imgs/one.png\n")
    dom = ImageFolderDomain(listing)
    assert [p.name for p in dom.paths] == ["two.jpg", "one.png"]  # the list's order
    assert dom[1].mode == "RGB" and dom[1].size == (8, 6)
    listing.write_text("../imgs/one.png\n../imgs/three.png\n")
    with pytest.raises(FileNotFoundError, match="line 2"):
        ImageFolderDomain(listing)
    listing.write_text("\n# nothing\n")
    with pytest.raises(ValueError, match="names no images"):
        read_file_list(listing)
    with pytest.raises(ValueError, match="is an image"):
        ImageFolderDomain(tmp_path / "imgs" / "one.png")


# ----------------------------------------------------------------------------- decoding
def test_load_image_converts_every_mode(tmp_path):
    gray = load_image(save(tmp_path / "gray.png", mode="L", colour=90))
    assert gray.mode == "RGB" and gray.getpixel((0, 0)) == (90, 90, 90)
    rgba = Image.new("RGBA", (4, 4), (255, 0, 0, 255))
    rgba.putpixel((0, 0), (0, 0, 0, 0))  # fully transparent: white after compositing
    rgba.putpixel((1, 0), (0, 0, 0, 128))  # half transparent black: mid grey
    rgba.save(tmp_path / "rgba.png")
    out = load_image(tmp_path / "rgba.png")
    assert out.mode == "RGB" and out.getpixel((0, 0)) == (255, 255, 255) and out.getpixel((2, 2)) == (255, 0, 0)
    assert 120 <= out.getpixel((1, 0))[0] <= 135
    pal = Image.new("P", (4, 4), 1)
    pal.putpalette([0, 0, 0, 10, 200, 30] + [0] * 762)
    pal.save(tmp_path / "pal.png")
    assert load_image(tmp_path / "pal.png").getpixel((3, 3)) == (10, 200, 30)
    pal.save(tmp_path / "pal_t.png", transparency=1)  # palette entry 1 is transparent
    assert load_image(tmp_path / "pal_t.png").getpixel((3, 3)) == (255, 255, 255)
    deep = Image.fromarray(np.array([[0, 257 * 100], [65535, 257 * 7]], dtype=np.uint16))  # 16-bit gray
    deep.save(tmp_path / "deep.png")
    out = load_image(tmp_path / "deep.png")
    assert out.mode == "RGB" and [out.getpixel(p)[0] for p in [(0, 0), (1, 0), (0, 1), (1, 1)]] == [0, 100, 255, 7]
    assert load_image(tmp_path / "deep.png", channels=1).mode == "L"
    wide = Image.fromarray(np.array([[0, 65535]], dtype=np.int32), mode="I")  # 32-bit mode holding 16-bit data
    assert _normalise_mode(wide, 3).getpixel((1, 0)) == (255, 255, 255)
    unit = Image.fromarray(np.array([[0.0, 0.5, 1.0]], dtype=np.float32), mode="F")  # floats in [0, 1]
    assert [_normalise_mode(unit, 1).getpixel((i, 0)) for i in range(3)] == [0, 128, 255]
    cmyk = Image.new("CMYK", (2, 2), (0, 0, 0, 0))
    assert _normalise_mode(cmyk, 3).getpixel((0, 0)) == (255, 255, 255)
    assert load_image(save(tmp_path / "rgb.png"), channels=1).mode == "L"
    with pytest.raises(ValueError, match="channels"):
        load_image(tmp_path / "rgb.png", channels=2)


def test_exif_orientation_is_applied(tmp_path):
    img = Image.new("RGB", (40, 20), (255, 0, 0))
    img.paste((0, 0, 255), (0, 0, 20, 20))  # left half blue, right half red
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    img.save(tmp_path / "phone.jpg", exif=exif, quality=95)
    out = load_image(tmp_path / "phone.jpg")
    assert out.size == (20, 40)  # upright: taller than wide
    top, bottom = np.asarray(out)[5, 10], np.asarray(out)[35, 10]
    assert top[2] > 200 and top[0] < 60  # the blue half is now on top
    assert bottom[0] > 200 and bottom[2] < 60


def test_corrupt_and_truncated_files_name_themselves(tmp_path):
    bad = tmp_path / "dom" / "garbage.png"
    bad.parent.mkdir()
    bad.write_bytes(b"this is not a png at all")
    with pytest.raises(ImageLoadError, match="garbage.png"):
        load_image(bad)
    whole = tmp_path / "dom" / "whole.jpg"
    gradient(64, 64).save(whole, quality=90)
    data = whole.read_bytes()
    cut = tmp_path / "dom" / "truncated.jpg"
    cut.write_bytes(data[: len(data) // 2])
    dom = ImageFolderDomain(tmp_path / "dom", train_transform(32, 32))
    assert [p.name for p in dom.paths] == ["garbage.png", "truncated.jpg", "whole.jpg"]
    with pytest.raises(ImageLoadError, match=str(cut)):
        dom[1]
    assert dom[2].shape == (3, 32, 32)


# ----------------------------------------------------------------------------- transforms
def test_transforms_sizes_range_and_tiny_images():
    tiny = Image.new("RGB", (5, 3), (255, 0, 0))
    x = train_transform(new_size=40, crop=32)(tiny)
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32
    assert torch.allclose(x[0], torch.ones(32, 32)) and torch.allclose(x[1], -torch.ones(32, 32))
    x = test_transform(40, 32, channels=1)(tiny)
    assert x.shape == (1, 32, 32)
    with pytest.raises(ValueError, match="new_size=16 is smaller than crop=32"):
        train_transform(16, 32)
    with pytest.raises(ValueError, match="channels"):
        train_transform(32, 32, channels=4)


def test_test_transform_is_the_centre_crop_and_train_transform_varies():
    img = gradient(80, 40)  # short side 40: resize to 40 keeps it, crop 32
    x = test_transform(40, 32)(img)
    x2 = test_transform(40, 32)(img)
    assert torch.equal(x, x2)
    red = (x[0] + 1) * 127.5  # column index
    assert round(red[0, 0].item()) == 24 and round(red[0, 31].item()) == 55  # columns 24..55 of 80
    torch.manual_seed(0)
    crops = {tuple(train_transform(40, 32)(img)[:, 0, 0].tolist()) for _ in range(20)}
    assert len(crops) > 3  # random crops (and flips)


# ----------------------------------------------------------------------------- domains
def test_unpaired_domains_from_a_shapes_dataset(tmp_path):
    root = make_shapes_dataset(tmp_path / "shapes", size=32, n_train=4, n_test=2, progress=False)
    dom_a, dom_b = unpaired_domains(root, "train", new_size=36, crop=32)
    assert len(dom_a) == 4 and len(dom_b) == 4 and dom_a[0].shape == (3, 32, 32)
    test_a, test_b = unpaired_domains(root, "test", new_size=32, crop=32)
    assert torch.equal(test_b[1], ShapesDomain("b", "test", 32, 2)[1])  # centre crop of an unresized image
    cfg = MUNITConfig.profile_named("ci")
    dom_a, dom_b = unpaired_domains(root, "test", cfg=cfg)
    assert dom_a[0].shape == (cfg.input_dim_a, cfg.image_size, cfg.image_size)
    gray_a, _ = unpaired_domains(root, "test", new_size=32, crop=32, channels_a=1)
    assert gray_a[0].shape == (1, 32, 32)
    with pytest.raises(FileNotFoundError, match="trainA"):
        unpaired_domains(tmp_path, "train")
    with pytest.raises(ValueError, match="split"):
        unpaired_domains(root, "val")


def test_unpaired_domains_from_lists(tmp_path):
    for i in range(3):
        save(tmp_path / "photos" / f"{i}.png", colour=(i, 0, 0))
    (tmp_path / "pair").mkdir()
    (tmp_path / "pair" / "testA.txt").write_text("../photos/0.png\n../photos/1.png\n")
    (tmp_path / "pair" / "testB.txt").write_text("../photos/2.png\n")
    a, b = unpaired_domains(tmp_path / "pair", "test", new_size=8, crop=8)
    assert len(a) == 2 and len(b) == 1 and b[0].shape == (3, 8, 8)


# ----------------------------------------------------------------------------- pairs -> unpaired
def make_pairs(folder, n, w=16, h=8):
    """Side-by-side pairs: the left half's red channel is the index, the right half is blue."""
    for i in range(n):
        x = np.zeros((h, w, 3), dtype=np.uint8)
        x[:, : w // 2, 0] = 10 * (i + 1)
        x[:, w - w // 2:, 2] = 10 * (i + 1)
        Image.fromarray(x).save(folder / f"{i:03d}.png")


def test_split_side_by_side_default_is_the_originals_every_file_in_both(tmp_path):
    """As the original prepares edges2shoes: every file's left half in A, its right half in B."""
    src = tmp_path / "edges2things" / "train"
    src.mkdir(parents=True)
    make_pairs(src, 5, w=17)
    out_a, out_b = split_side_by_side(src, tmp_path / "unpaired", "train", progress=False)
    expected = [f"{i:03d}.png" for i in range(5)]
    assert sorted(p.name for p in out_a.iterdir()) == expected == sorted(p.name for p in out_b.iterdir())
    for i, name in enumerate(expected):
        a, b = np.asarray(Image.open(out_a / name)), np.asarray(Image.open(out_b / name))
        assert a.shape == b.shape == (8, 8, 3)
        assert (a[..., 0] == 10 * (i + 1)).all() and (b[..., 2] == 10 * (i + 1)).all()  # left = A, right = B


def test_split_side_by_side_disjoint_halves(tmp_path):
    src = tmp_path / "edges2things" / "train"
    src.mkdir(parents=True)
    make_pairs(src, 7, w=17)  # odd width: both halves 8 px wide
    out_a, out_b = split_side_by_side(src, tmp_path / "unpaired", "train", disjoint=True, seed=1, progress=False)
    names_a = sorted(p.name for p in out_a.iterdir())
    names_b = sorted(p.name for p in out_b.iterdir())
    assert len(names_a) == 3 and len(names_b) == 4 and not set(names_a) & set(names_b)
    assert set(names_a) | set(names_b) == {f"{i:03d}.png" for i in range(7)}
    for name in names_a:  # A = left halves: red
        x = np.asarray(Image.open(out_a / name))
        assert x.shape == (8, 8, 3) and x[..., 0].min() > 0 and x[..., 2].max() == 0
    for name in names_b:  # B = right halves: blue
        x = np.asarray(Image.open(out_b / name))
        assert x.shape == (8, 8, 3) and x[..., 2].min() > 0 and x[..., 0].max() == 0
    again = split_side_by_side(src, tmp_path / "again", "train", disjoint=True, seed=1, progress=False)
    assert sorted(p.name for p in again[0].iterdir()) == names_a  # same seed, same halves
    with pytest.raises(FileExistsError, match="overwrite"):
        split_side_by_side(src, tmp_path / "unpaired", "train", progress=False)
    out_a, out_b = split_side_by_side(src, tmp_path / "unpaired", "train", keep_all=True, overwrite=True,
                                      progress=False)
    assert len(list(out_a.iterdir())) == 7 and len(list(out_b.iterdir())) == 7
    assert sorted(p.name for p in (tmp_path / "unpaired").iterdir()) == ["trainA", "trainB"]  # no temp folders
    one = tmp_path / "one"
    one.mkdir()
    make_pairs(one, 1)
    with pytest.raises(ValueError, match="disjoint=False"):
        split_side_by_side(one, tmp_path / "x", disjoint=True, progress=False)


# ----------------------------------------------------------------------------- the loader
class Numbered(torch.utils.data.Dataset):
    """Item i: a 1x2x2 tensor holding i, plus a random number from the global torch RNG (an augmentation)."""

    def __init__(self, n, offset=0):
        self.n, self.offset = n, offset

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return torch.tensor([float(i + self.offset), torch.rand(()).item()])


def collect(iterator, steps):
    return [(a.clone(), b.clone()) for _, (a, b) in zip(range(steps), iterator)]


def test_unpaired_loader_is_deterministic_and_unpaired():
    da, db = Numbered(10), Numbered(7, offset=100)
    state = torch.get_rng_state()
    run1 = collect(unpaired_loader(da, db, batch_size=2, seed=3), 12)
    run2 = collect(unpaired_loader(da, db, batch_size=2, seed=3), 12)
    assert torch.equal(torch.get_rng_state(), state)  # the caller's RNG is untouched
    assert all(torch.equal(a1, a2) and torch.equal(b1, b2) for (a1, b1), (a2, b2) in zip(run1, run2))
    other = collect(unpaired_loader(da, db, batch_size=2, seed=4), 12)
    assert not all(torch.equal(a1, a2) for (a1, _), (a2, _) in zip(run1, other))
    a, b = run1[0]
    assert a.shape == (2, 2) and b.shape == (2, 2) and (b[:, 0] >= 100).all()
    loader = UnpairedLoader(da, db, batch_size=2, seed=3)
    assert len(loader) == 3 and len(list(loader)) == 3  # an epoch stops at the shorter domain
    assert len(list(unpaired_loader(da, db, batch_size=2, epochs=2))) == 6
    epoch = [int(a[0, 0]) for a, _ in collect(unpaired_loader(da, db, batch_size=1), 7)]
    assert len(set(epoch)) == 7 and epoch != list(range(7))  # shuffled, no repeats within an epoch
    in_order = [int(a[0, 0]) for a, _ in collect(unpaired_loader(da, db, batch_size=1, shuffle=False), 7)]
    assert in_order == list(range(7))
    with pytest.raises(ValueError, match="fewer than batch_size"):
        UnpairedLoader(da, Numbered(1), batch_size=2)


def test_unpaired_loader_with_workers_is_deterministic():
    da, db = Numbered(6), Numbered(6, offset=100)
    run1 = collect(unpaired_loader(da, db, batch_size=3, seed=5, num_workers=1, epochs=1), 2)
    run2 = collect(unpaired_loader(da, db, batch_size=3, seed=5, num_workers=1, epochs=1), 2)
    assert len(run1) == 2
    assert all(torch.equal(a1, a2) and torch.equal(b1, b2) for (a1, b1), (a2, b2) in zip(run1, run2))


def test_unpaired_loader_on_image_folders_with_augmentation(tmp_path):
    root = make_shapes_dataset(tmp_path / "shapes", size=32, n_train=4, n_test=2, progress=False)
    dom_a, dom_b = unpaired_domains(root, "train", new_size=40, crop=32)
    run1 = collect(unpaired_loader(dom_a, dom_b, batch_size=2, seed=0), 3)
    run2 = collect(unpaired_loader(dom_a, dom_b, batch_size=2, seed=0), 3)
    assert run1[0][0].shape == (2, 3, 32, 32)
    assert all(torch.equal(a1, a2) and torch.equal(b1, b2) for (a1, b1), (a2, b2) in zip(run1, run2))
    other = collect(unpaired_loader(dom_a, dom_b, batch_size=2, seed=1), 3)
    assert not all(torch.equal(a1, a2) for (a1, _), (a2, _) in zip(run1, other))



def same_batches(one, two):
    return len(one) == len(two) and all(torch.equal(a1, a2) and torch.equal(b1, b2)
                                        for (a1, b1), (a2, b2) in zip(one, two))


@pytest.mark.parametrize("kind", ["random items", "in-memory shapes", "augmented folders"])
def test_unpaired_loader_is_a_view_of_the_trainers_batch_stream(kind, tmp_path):
    """One path draws unpaired batches: UnpairedLoader's stream, from any start, is batch_stream's
    (what the trainer reads), and its epochs, one after another, are that same stream."""
    if kind == "random items":  # the DataLoader path, with a random 'augmentation' in each item
        da, db = Numbered(10), Numbered(7, offset=100)
    elif kind == "in-memory shapes":  # the path for datasets that assemble their own batches
        da, db = ShapesDomain("a", "train", 32, 9, 0), ShapesDomain("b", "train", 32, 6, 0)
    else:  # random crops and flips
        root = make_shapes_dataset(tmp_path / "shapes", size=32, n_train=5, n_test=1, progress=False)
        da, db = unpaired_domains(root, "train", new_size=40, crop=32)
    stream = collect(batch_stream([da, db], batch_size=2, seed=4), 8)
    assert same_batches(collect(UnpairedLoader(da, db, batch_size=2, seed=4).forever(), 8), stream)
    for start in (0, 5):  # and from any iteration, as a resumed run
        stream = collect(batch_stream([da, db], batch_size=2, seed=4, start=start), 8)
        assert same_batches(collect(UnpairedLoader(da, db, batch_size=2, seed=4, start=start).forever(), 8), stream)
        assert same_batches(collect(unpaired_loader(da, db, batch_size=2, seed=4, start=start), 8), stream)
    loader = UnpairedLoader(da, db, batch_size=2, seed=4)
    epochs = [pair for _ in range(3) for pair in collect(loader, 100)]
    assert len(epochs) == 3 * len(loader)
    assert same_batches(epochs, collect(batch_stream([da, db], batch_size=2, seed=4), len(epochs)))
    assert same_batches(collect(unpaired_loader(da, db, batch_size=2, seed=4, epochs=3), 100), epochs)


def test_unpaired_loader_epochs_walk_each_domain_without_dropping_images():
    """From start 0, an epoch shows the shorter domain once when the batch size divides it; a batch
    that crosses the end of a domain's permutation takes the next one's first images (none dropped)."""
    da, db = Numbered(6), Numbered(9, offset=100)
    loader = UnpairedLoader(da, db, batch_size=3, seed=1)
    assert len(loader) == 2
    first, second = ([(a[:, 0].int().tolist(), (b[:, 0] - 100).int().tolist()) for a, b in loader]
                     for _ in range(2))
    assert sorted(i for a, _ in first for i in a) == sorted(i for a, _ in second for i in a) == list(range(6))
    b_order = [i for _, b in first + second for i in b]  # B: 12 positions, one pass of 9 then 3 more
    assert sorted(b_order[:9]) == list(range(9)) and len(set(b_order[9:])) == 3
    odd = UnpairedLoader(Numbered(5), Numbered(5, offset=100), batch_size=2, seed=1)
    positions = [int(i) for _ in range(5) for a, _ in odd for i in a[:, 0]]  # 5 epochs of 2 batches of 2
    assert all(sorted(positions[k:k + 5]) == list(range(5)) for k in (0, 5, 10, 15))

def test_uploads_decode_from_memory_without_temporary_files(monkeypatch):
    """load_image takes io.BytesIO; the explorer's uploads are decoded so, never through a temp file."""
    import io
    import tempfile

    from munit_lib.widgets import _decode_upload

    buffer = io.BytesIO()
    Image.fromarray(np.full((8, 6), 200, dtype=np.uint8)).save(buffer, format="PNG")  # grey, 6 wide

    def no_temporary_files(*args, **kwargs):
        raise AssertionError("an upload went through a temporary file")

    for name in ("TemporaryDirectory", "mkdtemp", "mkstemp", "NamedTemporaryFile"):
        monkeypatch.setattr(tempfile, name, no_temporary_files)
    img = load_image(io.BytesIO(buffer.getvalue()), channels=3)
    assert img.mode == "RGB" and img.size == (6, 8)
    upload = _decode_upload(buffer.getvalue(), "grey.png", 3)
    assert np.array_equal(np.asarray(upload), np.asarray(img))
    with pytest.raises(ImageLoadError, match="'broken.png'"):
        _decode_upload(b"not an image", "broken.png", 3)
