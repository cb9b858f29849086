"""Downloading the paper's datasets: resumable, verified, and never run behind your back.

Nothing here runs on import or in the tests; call a function when you want the data::

    from munit_lib.data import download_edges2shoes, unpaired_domains
    root = download_edges2shoes("data")          # data/edges2shoes_unpaired/{trainA,trainB,testA,testB}
    dom_a, dom_b = unpaired_domains(root)

``download_file`` streams to ``dest + ".part"``, resumes an interrupted download with an HTTP
``Range`` request, checks the SHA-256 and only then renames the file into place (``os.replace``,
atomic), so ``dest`` is either absent or complete and verified.

Checksums. The archives' SHA-256 digests were not known when this table was written, so they
are ``None``. With ``None`` the download is not verified: its digest is computed and printed,
and you should record it (in ``DATASETS`` or as ``sha256=`` of your own calls) so that later
downloads are checked. When a checksum is given it is always verified.
"""
from __future__ import annotations

import hashlib
import os
import tarfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Union

from .folders import split_side_by_side

__all__ = ["DatasetSource", "DATASETS", "ChecksumError", "UnsafeArchiveError", "download_file", "sha256_file",
           "extract_archive", "download_edges2shoes", "download_edges2handbags", "download_afhq"]

PathLike = Union[str, os.PathLike]


@dataclass(frozen=True)
class DatasetSource:
    """Where an archive lives, its file name, its SHA-256 (``None``: not recorded yet) and the
    folder it unpacks to."""

    url: str
    archive: str
    folder: str
    sha256: Optional[str] = None


DATASETS: dict[str, DatasetSource] = {
    # pix2pix's paired datasets (Isola et al. 2017): each image is edges | photo, side by side
    "edges2shoes": DatasetSource("http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/edges2shoes.tar.gz",
                                 "edges2shoes.tar.gz", "edges2shoes"),
    "edges2handbags": DatasetSource("http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/edges2handbags.tar.gz",
                                    "edges2handbags.tar.gz", "edges2handbags"),
    # Animal Faces-HQ (Choi et al., StarGAN v2): afhq/{train,val}/{cat,dog,wild}
    "afhq": DatasetSource("https://www.dropbox.com/s/t9l9o3vsx2jai3z/afhq.zip?dl=1", "afhq.zip", "afhq"),
}
AFHQ_DOMAINS = ("cat", "dog", "wild")


class ChecksumError(ValueError):
    """A downloaded file whose SHA-256 is not the expected one."""


class UnsafeArchiveError(ValueError):
    """An archive member that would be written outside the destination folder."""


def sha256_file(path: PathLike, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _content_range_start(response) -> Optional[int]:
    """The first byte of a 206 response, from ``Content-Range: bytes START-END/TOTAL``."""
    value = response.headers.get("Content-Range", "")
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def download_file(url: str, dest: PathLike, sha256: Optional[str] = None, resume: bool = True,
                  progress: bool = True, opener: Optional[Callable] = None, timeout: float = 60.0,
                  chunk_size: int = 1 << 20) -> Path:
    """Download ``url`` to ``dest`` and return ``dest``.

    1. If ``dest`` exists and matches ``sha256`` (or no checksum is given), it is kept as is.
    2. Bytes go to ``dest + ".part"``. If that file exists (an interrupted download) and
       ``resume``, only the rest is asked for (``Range: bytes=N-``); a server that answers with
       the whole file (status 200) restarts it.
    3. The SHA-256 of the finished ``.part`` is checked against ``sha256``. On a mismatch the
       bytes are moved to ``dest + ".mismatch"`` and ``ChecksumError`` names both digests;
       ``dest`` is not touched. With ``sha256=None`` the digest is printed for you to record.
    4. ``os.replace(part, dest)``: ``dest`` appears complete or not at all.

    ``opener(request) -> response`` replaces ``urllib.request.urlopen`` (tests, proxies).
    """
    from tqdm.auto import tqdm

    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    expected = sha256.lower() if sha256 else None
    if dest.exists():
        if expected is None:
            print(f"{dest} exists; not verified (no sha256 given). Its sha256 is {sha256_file(dest)}")
            return dest
        if sha256_file(dest) == expected:
            return dest
        print(f"{dest} exists but its checksum differs from {expected}: downloading it again "
              "(the file is replaced only once the new download verifies)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    open_url = opener or (lambda request: urllib.request.urlopen(request, timeout=timeout))

    offset = part.stat().st_size if (resume and part.exists()) else 0
    complete = False
    for _attempt in range(2):  # a second attempt only when a server's partial answer is unusable
        headers = {"User-Agent": "munit_lib-downloader"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        try:
            response = open_url(urllib.request.Request(url, headers=headers))
        except urllib.error.HTTPError as err:
            if err.code == 416 and offset:  # "range not satisfiable": the .part is already whole
                complete = True
                break
            raise
        with response:
            status = getattr(response, "status", None) or response.getcode()
            if offset and status == 206 and _content_range_start(response) != offset:
                offset = 0  # a partial answer for other bytes than ours: start over
                continue
            if offset and status != 206:
                offset = 0  # the server (or a file:// URL) ignored the Range: take the whole file
            length = response.headers.get("Content-Length")
            total = offset + int(length) if length and length.isdigit() else None
            with open(part, "ab" if offset else "wb") as f, \
                    tqdm(total=total, initial=offset, unit="B", unit_scale=True, unit_divisor=1024,
                         desc=dest.name, disable=not progress) as bar:
                for chunk in iter(lambda: response.read(chunk_size), b""):
                    f.write(chunk)
                    bar.update(len(chunk))
            complete = True
            break
    if not complete:
        raise OSError(f"could not download {url}: the server's partial answers did not match the request")

    actual = sha256_file(part)
    if expected is None:
        print(f"sha256 of {dest.name}: {actual}\n"
              f"  No checksum was given, so this download is unverified. Record it (pass sha256='{actual}',\n"
              "  or add it to munit_lib.data.download.DATASETS) so that later downloads are checked.")
    elif actual != expected:
        bad = dest.with_name(dest.name + ".mismatch")
        os.replace(part, bad)  # out of the way of the next resume, kept for inspection
        raise ChecksumError(f"checksum mismatch for {url}: expected sha256 {expected}, got {actual}. "
                            f"The downloaded bytes are in {bad}; {dest} was not changed.")
    os.replace(part, dest)
    return dest


# ----------------------------------------------------------------------------- archives
def _inside(root: Path, name: str) -> bool:
    """Whether ``root / name`` stays within ``root`` (``root`` already resolved)."""
    target = (root / name).resolve()
    return target == root or root in target.parents


def _refuse(archive: Path, member: str, dest: Path, why: str = "it would be written outside") -> None:
    raise UnsafeArchiveError(f"refusing to extract {archive}: member {member!r} {why} {dest}")


def extract_archive(path: PathLike, dest: PathLike) -> Path:
    """Unpack a zip or tar (plain, .gz, .bz2, .xz) archive into ``dest`` and return ``dest``.

    Every member is checked before anything is written: absolute paths, ``..`` escapes, links
    pointing outside ``dest`` and device files raise ``UnsafeArchiveError`` and nothing is
    extracted. (Tar files are also extracted with Python's ``"data"`` filter where available.)
    """
    path, dest = Path(path), Path(dest)
    if not path.is_file():
        raise FileNotFoundError(f"no archive at {path}")
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                name = info.filename
                if name.startswith(("/", "\\")) or ":" in name.split("/")[0] or not _inside(root, name):
                    _refuse(path, name, dest)
                if (info.external_attr >> 16) & 0o170000 == 0o120000:  # a symbolic link (unix mode bits)
                    _refuse(path, name, dest, "is a symbolic link; links are not extracted into")
            zf.extractall(dest)
        return dest
    if tarfile.is_tarfile(path):
        with tarfile.open(path) as tf:
            members = tf.getmembers()
            for m in members:
                if m.name.startswith(("/", "\\")) or not _inside(root, m.name):
                    _refuse(path, m.name, dest)
                if m.issym() and not _inside(root, os.path.join(os.path.dirname(m.name), m.linkname)):
                    _refuse(path, m.name, dest, f"links to {m.linkname!r}, outside")
                if m.islnk() and not _inside(root, m.linkname):
                    _refuse(path, m.name, dest, f"links to {m.linkname!r}, outside")
                if m.isdev():
                    _refuse(path, m.name, dest, "is a device file; not extracted into")
            if hasattr(tarfile, "data_filter"):
                tf.extractall(dest, members=members, filter="data")
            else:  # Python < 3.11.4: the checks above are the filter
                tf.extractall(dest, members=members)
        return dest
    raise ValueError(f"{path} is neither a zip nor a tar archive")


# ----------------------------------------------------------------------------- datasets
def _fetch(name: str, root: PathLike, progress: bool) -> Path:
    """Download and unpack ``DATASETS[name]`` under ``root``; return the unpacked folder."""
    source, root = DATASETS[name], Path(root)
    folder = root / source.folder
    marker = root / f".{source.folder}.extracted"
    if not marker.exists():
        archive = download_file(source.url, root / source.archive, source.sha256, progress=progress)
        extract_archive(archive, root)
        marker.touch()  # unpacked completely; the archive may now be deleted by hand
    return folder


def _pix2pix(name: str, root: PathLike, disjoint: bool, progress: bool) -> Path:
    folder = _fetch(name, root, progress)
    out = Path(root) / f"{name}_{'disjoint' if disjoint else 'unpaired'}"
    for split, sub in (("train", "train"), ("test", "val")):
        if not ((out / f"{split}A").is_dir() and (out / f"{split}B").is_dir()):
            split_side_by_side(folder / sub, out, split, disjoint=disjoint, progress=progress, overwrite=True)
    return out


def download_edges2shoes(root: PathLike = "data", disjoint: bool = False, progress: bool = True,
                         keep_all: Optional[bool] = None) -> Path:
    """pix2pix's edges2shoes (the paper's main benchmark; a large archive): download, unpack, and split
    each side-by-side pair into ``root/edges2shoes_unpaired/{train,test}{A,B}`` (A = edges,
    B = photos), as the original project does: every file's two halves in both domains. With
    ``disjoint=True``, A and B come from disjoint halves of the files instead, in
    ``root/edges2shoes_disjoint`` (see :func:`split_side_by_side`). Returns that folder."""
    return _pix2pix("edges2shoes", root, disjoint if keep_all is None else not keep_all, progress)


def download_edges2handbags(root: PathLike = "data", disjoint: bool = False, progress: bool = True,
                            keep_all: Optional[bool] = None) -> Path:
    """pix2pix's edges2handbags, as :func:`download_edges2shoes`: ``root/edges2handbags_unpaired``
    (or ``_disjoint``)."""
    return _pix2pix("edges2handbags", root, disjoint if keep_all is None else not keep_all, progress)


def _find_split_dir(folder: Path, split: str) -> Path:
    for candidate in (folder / split, folder / "afhq" / split, folder.parent / split):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the AFHQ archive did not unpack to {folder}/{split}/<cat|dog|wild>")


def download_afhq(root: PathLike = "data", domain_a: str = "cat", domain_b: str = "dog", progress: bool = True) -> Path:
    """Animal Faces-HQ: download and unpack, then write image lists for the pair of domains
    (``cat``, ``dog`` or ``wild``) as ``root/afhq_{a}2{b}/{train,test}{A,B}.txt`` (test = AFHQ's
    val split), which :func:`munit_lib.data.unpaired_domains` reads. Returns that folder."""
    from .folders import list_images

    for d in (domain_a, domain_b):
        if d not in AFHQ_DOMAINS:
            raise ValueError(f"unknown AFHQ domain {d!r}; known domains: {', '.join(AFHQ_DOMAINS)}")
    folder = _fetch("afhq", root, progress)
    out = Path(root) / f"afhq_{domain_a}2{domain_b}"
    out.mkdir(parents=True, exist_ok=True)
    for split, sub in (("train", "train"), ("test", "val")):
        base = _find_split_dir(folder, sub)
        for letter, domain in (("A", domain_a), ("B", domain_b)):
            lines = [os.path.relpath(p, out).replace(os.sep, "/") for p in list_images(base / domain)]
            tmp = out / f".{split}{letter}.txt.tmp"
            tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
            os.replace(tmp, out / f"{split}{letter}.txt")
    return out
