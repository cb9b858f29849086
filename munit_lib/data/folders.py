"""Real image domains on disk: folders (or file lists) of images, unpaired.

MUNIT never sees pairs. The original project reads each domain from its own folder
(``trainA``, ``trainB``, ``testA``, ``testB`` under one root) or from a text file that lists the
images (its ``data_list_train_a`` option); both work here. Each training iteration takes one
batch from each domain, independently shuffled: ``unpaired_loader`` (a view, in epochs, of
``batch_stream``, the stream the trainer draws from).

Paired datasets such as pix2pix's edges2shoes store each pair side by side (edges on the left,
photo on the right); ``split_side_by_side`` turns them into two unpaired folders. By default it
prepares them as the original project did (every file's left half in A and right half in B, so
that numbers are comparable with the paper's); ``disjoint=True`` takes A and B from disjoint
halves of the files instead, so that no photo's own edge map is in domain A.

Loading is forgiving about what people have on disk (grayscale, transparency, palettes, 16-bit,
EXIF rotations, tiny images) and strict about what it cannot read: an error names the file.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Optional, Union

import numpy as np
import torch
from PIL import Image, ImageOps
from torch.utils.data import Dataset

from .batches import batch_stream
from .transforms import test_transform, train_transform

__all__ = ["IMG_EXTENSIONS", "ImageLoadError", "is_image_file", "list_images", "read_file_list", "load_image",
           "check_images_open",
           "ImageFolderDomain", "unpaired_domains", "split_side_by_side", "UnpairedLoader", "unpaired_loader"]

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
PathLike = Union[str, os.PathLike]


class ImageLoadError(OSError):
    """An image file that exists but cannot be decoded (corrupt, truncated, not an image)."""


def _expected(folder: Path) -> str:
    return f"expected image files ({', '.join(IMG_EXTENSIONS)}) in {folder}"


def is_image_file(path: PathLike) -> bool:
    """Whether the name ends in one of ``IMG_EXTENSIONS`` (in any letter case)."""
    return Path(path).suffix.lower() in IMG_EXTENSIONS


def list_images(folder: PathLike) -> list[Path]:
    """Every image under ``folder``, recursively, sorted by relative path (so the order is the
    same on every machine). Hidden files and folders (names starting with ".") are skipped.
    ``FileNotFoundError`` if the folder does not exist, ``ValueError`` if it holds no image."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"domain folder {folder} does not exist: {_expected(folder)}")
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]  # prune .ipynb_checkpoints and friends
        found += [Path(dirpath) / f for f in filenames if not f.startswith(".") and is_image_file(f)]
    if not found:
        raise ValueError(f"domain folder {folder} holds no images: {_expected(folder)}")
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def read_file_list(list_file: PathLike) -> list[Path]:
    """The images named in a text file, one path per line, relative to the file's own folder
    (absolute paths are kept). Blank lines and lines starting with ``#`` are skipped."""
    list_file = Path(list_file)
    if not list_file.is_file():
        raise FileNotFoundError(f"image list {list_file} does not exist")
    paths = []
    with open(list_file, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            path = list_file.parent / line  # an absolute ``line`` replaces the folder
            if not path.is_file():
                raise FileNotFoundError(f"{list_file}, line {number}: no file {path}")
            paths.append(path)
    if not paths:
        raise ValueError(f"image list {list_file} names no images: expected one image path per line")
    return paths


# ----------------------------------------------------------------------------- decoding
def _to_8bit(img: Image.Image) -> Image.Image:
    """16-bit / 32-bit / float single-channel images -> 8-bit "L", keeping the full range visible."""
    a = np.asarray(img, dtype=np.float64)
    if img.mode.startswith("I;16"):
        a = a / 257.0  # 0..65535 -> 0..255
    else:  # "I" (32-bit int) or "F" (float): guess the range from the values
        hi = float(a.max()) if a.size else 0.0
        if img.mode == "F" and hi <= 1.0:
            a = a * 255.0  # floats in [0, 1]
        elif hi > 255.0:
            a = a * (255.0 / (65535.0 if hi <= 65535.0 else hi))  # 16-bit data (PNG "I") or wider
    return Image.fromarray(np.clip(np.round(a), 0, 255).astype(np.uint8), mode="L")


def _composite_on_white(img: Image.Image) -> Image.Image:
    """Transparent pixels become white (as on a page), then drop the alpha channel."""
    rgba = img.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def _normalise_mode(img: Image.Image, channels: int) -> Image.Image:
    """Any PIL mode -> "RGB" (``channels=3``) or "L" (``channels=1``)."""
    if img.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        img = _to_8bit(img)
    elif img.mode == "P":
        img = _composite_on_white(img) if "transparency" in img.info else img.convert("RGB")
    elif img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        img = _composite_on_white(img)
    elif img.mode == "1":
        img = img.convert("L")
    elif img.mode not in ("RGB", "L"):  # CMYK, YCbCr, LAB, HSV ...
        img = img.convert("RGB")
    target = "L" if channels == 1 else "RGB"
    return img if img.mode == target else img.convert(target)


def load_image(path: Union[PathLike, BinaryIO], channels: int = 3) -> Image.Image:
    """Read an image (a path, or an open binary file such as ``io.BytesIO(upload)``) as an "RGB"
    (``channels=3``) or "L" (``channels=1``) PIL image.

    The EXIF orientation is applied (photos from phones); grayscale, palette, 16-bit and
    transparent images are converted (transparency composited on white). A file that cannot be
    decoded raises ``ImageLoadError`` naming it.
    """
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    path = path if hasattr(path, "read") else Path(path)
    try:
        with Image.open(path) as img:
            img.load()  # decode now, so that a truncated file fails here and names itself
            img = ImageOps.exif_transpose(img)
            return _normalise_mode(img, channels)
    except FileNotFoundError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise ImageLoadError(f"cannot read image file {path}: {err}") from err


def check_images_open(paths, what: str = "images") -> None:
    """Decode every file in ``paths`` once, as training will (``load_image``), and raise one
    ``ImageLoadError`` naming those that cannot be read (up to five, and how many in all), so
    that a broken file stops a run before its first iteration, not when it is first drawn."""
    bad = []
    for path in paths:
        try:
            with Image.open(path) as img:
                img.load()
        except FileNotFoundError:
            bad.append(f"{path} (missing)")
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
            bad.append(f"{path} ({str(err).splitlines()[0] if str(err) else type(err).__name__})")
    if bad:
        shown = ", ".join(bad[:5]) + (f", ... ({len(bad)} in all)" if len(bad) > 5 else "")
        raise ImageLoadError(f"{len(bad)} of {len(paths)} {what} cannot be read: {shown}; remove or replace them")


# ----------------------------------------------------------------------------- datasets
class ImageFolderDomain(Dataset):
    """One image domain: every image under a folder (recursively, sorted), or those listed in a
    text file (one path per line, relative to the list's folder).

    Item ``i`` is ``transform(image)`` with ``image`` an RGB (or, with ``channels=1``, "L") PIL
    image; without a transform, the PIL image itself. ``paths`` holds the files in order.
    """

    def __init__(self, root_or_file_list: PathLike, transform: Optional[Callable] = None, channels: int = 3) -> None:
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {channels}")
        source = Path(root_or_file_list)
        if source.is_file():
            if is_image_file(source):
                raise ValueError(f"{source} is an image; pass the folder that holds the domain's images "
                                 "or a text file that lists them")
            self.paths = read_file_list(source)
        else:
            self.paths = list_images(source)
        self.root, self.transform, self.channels = source, transform, channels

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int):
        img = load_image(self.paths[i], self.channels)
        return img if self.transform is None else self.transform(img)

    def __repr__(self) -> str:
        return f"ImageFolderDomain({str(self.root)!r}, {len(self)} images, channels={self.channels})"


def _domain_source(root: Path, name: str) -> Path:
    """``root/name`` if it is a folder, else the list ``root/name.txt``."""
    folder, listing = root / name, root / f"{name}.txt"
    if folder.is_dir() or not listing.is_file():
        if not folder.is_dir():
            raise FileNotFoundError(f"no domain {name} under {root}: expected a folder {folder} with image files "
                                    f"({', '.join(IMG_EXTENSIONS)}), or a list {listing}")
        return folder
    return listing


def unpaired_domains(root: PathLike, split: str = "train", new_size: Optional[int] = None,
                     crop: Optional[int] = None, channels_a: Optional[int] = None, channels_b: Optional[int] = None,
                     cfg=None, train: Optional[bool] = None) -> tuple[ImageFolderDomain, ImageFolderDomain]:
    """The two domains of an unpaired dataset in the original layout: ``root/{split}A`` and
    ``root/{split}B`` (folders, or lists ``root/{split}A.txt``).

    Sizes and channels come from the arguments, else from ``cfg`` (a ``MUNITConfig``: its
    ``new_size``, ``image_size``, ``input_dim_a``, ``input_dim_b``), else the paper's 256 / 256 / 3.
    ``train`` (default: ``split == "train"``) picks the random crop and flip of training, or the
    centre crop of evaluation.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")

    def pick(value, key, default):
        return value if value is not None else getattr(cfg, key) if cfg is not None else default

    new_size, crop = pick(new_size, "new_size", 256), pick(crop, "image_size", 256)
    channels_a, channels_b = pick(channels_a, "input_dim_a", 3), pick(channels_b, "input_dim_b", 3)
    make = train_transform if (split == "train" if train is None else train) else test_transform
    root = Path(root)
    return (ImageFolderDomain(_domain_source(root, f"{split}A"), make(new_size, crop, channels_a), channels_a),
            ImageFolderDomain(_domain_source(root, f"{split}B"), make(new_size, crop, channels_b), channels_b))


# ----------------------------------------------------------------------------- pairs -> unpaired
def split_side_by_side(src_folder: PathLike, dst_root: PathLike, split: str = "train", disjoint: bool = False,
                       seed: int = 0, progress: bool = True, overwrite: bool = False,
                       keep_all: Optional[bool] = None) -> tuple[Path, Path]:
    """Turn pix2pix-style pairs (one image = A on the left half, B on the right half, as in
    edges2shoes: edges | photo) into two unpaired folders ``dst_root/{split}A`` and ``{split}B``.

    By default, as the original project prepares edges2shoes and edges2handbags, every file's
    left half goes to A and its right half to B: all the data in both domains (the training
    loop shuffles each domain on its own, so pairs are never shown together), and numbers
    comparable with the paper's. ``disjoint=True`` shuffles the files (``seed``) and takes A's
    images from one half and B's from the other, so that no image in B has its own edge map in
    A: the domains are then strictly unpaired, with half the data each. (``keep_all`` is the
    former name: ``keep_all=False`` means ``disjoint=True``.) File names and sub-folders are
    kept; JPEGs are re-saved at quality 100 without chroma subsampling, the closest PIL gets to
    the source. Each folder is written beside its destination and renamed into place when
    complete. Returns the two folders.
    """
    from tqdm.auto import tqdm

    if keep_all is not None:
        disjoint = not keep_all
    files = list_images(src_folder)
    if not disjoint:
        files_a = files_b = files
    else:
        if len(files) < 2:
            raise ValueError(f"{src_folder} holds {len(files)} pair(s): at least 2 are needed to split them "
                             "into disjoint halves (or pass disjoint=False)")
        order = np.random.default_rng(seed).permutation(len(files))  # deterministic shuffle
        half = len(files) // 2
        files_a = [files[i] for i in sorted(order[:half])]  # back in file order
        files_b = [files[i] for i in sorted(order[half:])]
    src, dst_root = Path(src_folder), Path(dst_root)
    outputs = (dst_root / f"{split}A", dst_root / f"{split}B")
    for out in outputs:
        if out.exists() and not overwrite:
            raise FileExistsError(f"{out} already exists; pass overwrite=True to replace it")
    dst_root.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=len(files_a) + len(files_b), desc=f"split {src.name}", unit="img", disable=not progress)
    for side, (chosen, out) in enumerate(zip((files_a, files_b), outputs)):
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=dst_root))
        try:
            for path in chosen:
                img = load_image(path)
                w, h = img.size
                if w < 2:
                    raise ValueError(f"{path} is {w} pixel wide: not a side-by-side pair")
                half_w = w // 2
                box = (0, 0, half_w, h) if side == 0 else (w - half_w, 0, w, h)  # left = A, right = B
                target = tmp / path.relative_to(src)
                target.parent.mkdir(parents=True, exist_ok=True)
                extra = {"quality": 100, "subsampling": 0} if target.suffix.lower() in (".jpg", ".jpeg") else {}
                img.crop(box).save(target, **extra)
                bar.update(1)
            if out.exists():
                shutil.rmtree(out)
            os.replace(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            bar.close()
            raise
    bar.close()
    return outputs


# ----------------------------------------------------------------------------- loading
class UnpairedLoader:
    """Batches ``(x_a, x_b)`` from two domains, each shuffled on its own (no pairing), in epochs.

    A thin view of :func:`~munit_lib.data.batches.batch_stream`, the stream the trainer draws
    from: ``forever()`` *is* that stream from iteration ``start``, so batch ``t`` here is batch
    ``t`` of a training run with the same ``seed`` and ``batch_size``. In it each domain walks one
    random permutation of its images after another, independently of the other domain, and each
    image's random transforms (crop, flip) run under a seed of its own, in this process or in
    worker processes (``num_workers > 0``) alike: the same seed gives the same batches, and the
    caller's global torch RNG is left as it was.

    One epoch (``iter(loader)``) is the next ``len(loader) = min(len(a), len(b)) // batch_size``
    batches of the stream: the first ``iter`` gives iterations ``start ... start + len - 1``, the
    second the ``len`` after those (a new shuffle), and so on; the epochs, one after another, are
    ``forever()``. From ``start=0`` each epoch shows every image of the shorter domain once when
    ``batch_size`` divides its size; the longer domain goes on through its own permutation. No
    batch is short and no image is dropped: where ``batch_size`` does not divide a domain, a batch
    takes the last images of one permutation and the first of the next.
    """

    def __init__(self, dataset_a: Dataset, dataset_b: Dataset, batch_size: int = 1, shuffle: bool = True,
                 seed: int = 0, num_workers: int = 0, start: int = 0) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        for name, ds in (("A", dataset_a), ("B", dataset_b)):
            if len(ds) < batch_size:
                raise ValueError(f"domain {name} has {len(ds)} images, fewer than batch_size={batch_size}")
        self.datasets = (dataset_a, dataset_b)
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, int(seed)
        self.num_workers, self.start = num_workers, int(start)
        self._epochs = 0  # how many epochs ``iter`` has started

    def __len__(self) -> int:
        return min(len(ds) for ds in self.datasets) // self.batch_size

    def _stream(self, start: int, stop: Optional[int] = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        # making the stream's DataLoaders draws their base seed from the global generator: fork it,
        # so that looking at batches never changes what the caller's own random draws give
        with torch.random.fork_rng(devices=[]):
            return batch_stream(self.datasets, self.batch_size, self.seed, start=start, stop=stop,
                                num_workers=self.num_workers, shuffle=self.shuffle)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        first = self.start + self._epochs * len(self)
        self._epochs += 1
        return self._stream(first, first + len(self))

    def forever(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """The endless stream from iteration ``start`` (the epochs of ``iter``, one after another)."""
        return self._stream(self.start)


def unpaired_loader(dataset_a: Dataset, dataset_b: Dataset, batch_size: int = 1, shuffle: bool = True, seed: int = 0,
                    num_workers: int = 0, epochs: Optional[int] = None,
                    start: int = 0) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield ``(x_a, x_b)`` batches from two unpaired domains: forever (``epochs=None``, what a
    training loop that counts iterations wants) or for ``epochs`` epochs. Same seed, same batches,
    and the same as the trainer's. See :class:`UnpairedLoader`."""
    loader = UnpairedLoader(dataset_a, dataset_b, batch_size, shuffle, seed, num_workers, start)
    if epochs is None:
        return loader.forever()
    return loader._stream(loader.start, loader.start + int(epochs) * len(loader))
