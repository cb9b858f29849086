"""Downloads without the internet: file:// URLs, a tiny HTTP server on 127.0.0.1 that honours
Range requests, and archives built in the test."""
from __future__ import annotations

import hashlib
import io
import tarfile
import threading
import urllib.request
import zipfile
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest
from PIL import Image

from munit_lib.data import (DATASETS, ChecksumError, UnsafeArchiveError, download_edges2shoes, download_file,
                            extract_archive, sha256_file, unpaired_domains)
from munit_lib.data import download as D

PAYLOAD = bytes(np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8))
DIGEST = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture
def source(tmp_path):
    """The payload as a local file, and its file:// URL."""
    path = tmp_path / "served" / "payload.bin"
    path.parent.mkdir()
    path.write_bytes(PAYLOAD)
    return path.as_uri()


class RangeHandler(BaseHTTPRequestHandler):
    """Serves ``server.payload``; honours ``Range: bytes=N-`` with 206 (416 past the end)."""

    def do_GET(self):  # noqa: N802 (the http.server API)
        data, asked = self.server.payload, self.headers.get("Range")
        self.server.ranges.append(asked)
        if asked:
            start = int(asked.split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = data[start:]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            body = data
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # counted before the write: the client can read the whole body and return before this thread
        # runs again, so a count after it races with the test's assert on a loaded machine
        self.server.sent += len(body)
        self.wfile.write(body)

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def server():
    """A local HTTP server for one test; it also shuts itself down after 30 s, whatever happens."""
    httpd = HTTPServer(("127.0.0.1", 0), RangeHandler)
    httpd.payload, httpd.ranges, httpd.sent = PAYLOAD, [], 0
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/payload.bin"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    watchdog = threading.Timer(30.0, httpd.shutdown)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield httpd
    finally:
        watchdog.cancel()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def no_proxy_opener(request):
    """Talk to 127.0.0.1 directly, whatever proxy the environment sets."""
    return urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10)


# ----------------------------------------------------------------------------- download_file
def test_download_with_the_right_checksum(tmp_path, source):
    dest = download_file(source, tmp_path / "out" / "payload.bin", DIGEST, progress=False)
    assert dest.read_bytes() == PAYLOAD and sha256_file(dest) == DIGEST
    assert sorted(p.name for p in dest.parent.iterdir()) == ["payload.bin"]  # no .part left

    def refuse(request):
        raise AssertionError("a verified file must not be fetched again")

    assert download_file(source, dest, DIGEST.upper(), opener=refuse, progress=False) == dest


def test_download_without_checksum_prints_it(tmp_path, source, capsys):
    dest = download_file(source, tmp_path / "payload.bin", None, progress=False)
    out = capsys.readouterr().out
    assert DIGEST in out and "record it" in out.lower() and dest.read_bytes() == PAYLOAD


def test_checksum_mismatch_raises_and_keeps_the_good_file(tmp_path, source):
    dest = tmp_path / "payload.bin"
    dest.write_bytes(b"an older, good copy")
    wrong = "0" * 64
    with pytest.raises(ChecksumError) as err:
        download_file(source, dest, wrong, progress=False)
    message = str(err.value)
    assert wrong in message and DIGEST in message and "expected" in message
    assert dest.read_bytes() == b"an older, good copy"  # not replaced, not deleted
    assert (tmp_path / "payload.bin.mismatch").read_bytes() == PAYLOAD  # the bytes are kept aside
    assert not (tmp_path / "payload.bin.part").exists()


def test_resume_sends_a_range_and_fetches_only_the_rest(tmp_path, server):
    dest = tmp_path / "payload.bin"
    (tmp_path / "payload.bin.part").write_bytes(PAYLOAD[:20_000])  # an interrupted download
    download_file(server.url, dest, DIGEST, opener=no_proxy_opener, progress=False)
    assert dest.read_bytes() == PAYLOAD
    assert server.ranges == ["bytes=20000-"] and server.sent == len(PAYLOAD) - 20_000


def test_resume_of_a_complete_part_and_without_resume(tmp_path, server):
    dest = tmp_path / "payload.bin"
    (tmp_path / "payload.bin.part").write_bytes(PAYLOAD)  # complete, but not yet renamed: 416
    download_file(server.url, dest, DIGEST, opener=no_proxy_opener, progress=False)
    assert dest.read_bytes() == PAYLOAD and server.sent == 0
    other = tmp_path / "again.bin"
    (tmp_path / "again.bin.part").write_bytes(b"stale bytes")
    download_file(server.url, other, DIGEST, resume=False, opener=no_proxy_opener, progress=False)
    assert other.read_bytes() == PAYLOAD and server.ranges[-1] is None


def test_a_server_that_ignores_range_restarts_the_file(tmp_path, source):
    dest = tmp_path / "payload.bin"
    (tmp_path / "payload.bin.part").write_bytes(b"garbage that is not the start of the file")
    download_file(source, dest, DIGEST, progress=False)  # file:// answers every request in full
    assert dest.read_bytes() == PAYLOAD


# ----------------------------------------------------------------------------- archives
def make_zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def make_tar(path, members, links=()):
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for name, target in links:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tf.addfile(info)
    return path


def test_extract_zip_and_tar(tmp_path):
    members = {"set/train/a.txt": b"a", "set/val/b.txt": b"bb"}
    for archive in (make_zip(tmp_path / "x.zip", members), make_tar(tmp_path / "x.tar.gz", members)):
        dest = extract_archive(archive, tmp_path / archive.name.replace(".", "_"))
        assert (dest / "set" / "train" / "a.txt").read_bytes() == b"a"
        assert (dest / "set" / "val" / "b.txt").read_bytes() == b"bb"
    plain = tmp_path / "plain.bin"
    plain.write_bytes(b"just bytes")
    with pytest.raises(ValueError, match="neither a zip nor a tar"):
        extract_archive(plain, tmp_path / "nothing")


@pytest.mark.parametrize("evil", ["../escape.txt", "ok/../../escape.txt", "/abs/escape.txt"])
def test_extract_refuses_path_traversal(tmp_path, evil):
    for maker, name in ((make_zip, "evil.zip"), (make_tar, "evil.tar.gz")):
        archive = maker(tmp_path / name, {"fine.txt": b"fine", evil: b"bad"})
        dest = tmp_path / f"dest_{name}"
        with pytest.raises(UnsafeArchiveError, match="outside"):
            extract_archive(archive, dest)
        assert not (tmp_path / "escape.txt").exists()
        assert not (dest / "fine.txt").exists()  # checked before anything is written


def test_extract_refuses_links_out_of_the_folder(tmp_path):
    archive = make_tar(tmp_path / "link.tar.gz", {"fine.txt": b"x"}, links=[("sneaky", "../../etc/passwd")])
    with pytest.raises(UnsafeArchiveError, match="links to"):
        extract_archive(archive, tmp_path / "dest")


# ----------------------------------------------------------------------------- datasets
def test_dataset_table():
    assert DATASETS["edges2shoes"].url == "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/edges2shoes.tar.gz"
    assert DATASETS["edges2handbags"].url.endswith("/edges2handbags.tar.gz")
    assert DATASETS["afhq"].url == "https://www.dropbox.com/s/t9l9o3vsx2jai3z/afhq.zip?dl=1"
    assert all(src.sha256 is None or len(src.sha256) == 64 for src in DATASETS.values())


def side_by_side(i: int) -> bytes:
    x = np.zeros((8, 16, 3), dtype=np.uint8)
    x[:, :8] = 255  # edges: white
    x[:, 8:, 2] = 40 * (i + 1)  # photo: blue
    out = io.BytesIO()
    Image.fromarray(x).save(out, format="PNG")
    return out.getvalue()


def test_download_edges2shoes_end_to_end_offline(tmp_path, monkeypatch, capsys):
    members = {f"edges2shoes/{split}/{i}_AB.png": side_by_side(i) for split in ("train", "val") for i in range(4)}
    archive = make_tar(tmp_path / "fake.tar.gz", members)
    monkeypatch.setitem(DATASETS, "edges2shoes", D.DatasetSource(archive.as_uri(), "edges2shoes.tar.gz",
                                                                 "edges2shoes"))
    root = download_edges2shoes(tmp_path / "data", progress=False)
    assert "sha256 of edges2shoes.tar.gz" in capsys.readouterr().out  # no checksum recorded: printed
    assert root == tmp_path / "data" / "edges2shoes_unpaired"
    dom_a, dom_b = unpaired_domains(root, "train", new_size=8, crop=8)
    assert len(dom_a) == 4 and len(dom_b) == 4  # as the original: every pair's halves in both domains
    assert dom_a[0].min() == 1.0 and dom_b[0][2].min() > -1.0  # A = white edges, B = blue photos
    test_a, test_b = unpaired_domains(root, "test", new_size=8, crop=8)
    assert len(test_a) + len(test_b) == 8
    assert download_edges2shoes(tmp_path / "data", progress=False) == root  # second call: nothing to do
    disjoint = download_edges2shoes(tmp_path / "data", disjoint=True, progress=False)  # the option, beside it
    assert disjoint == tmp_path / "data" / "edges2shoes_disjoint"
    dom_a, dom_b = unpaired_domains(disjoint, "train", new_size=8, crop=8)
    assert len(dom_a) == 2 and len(dom_b) == 2  # disjoint halves of the 4 pairs


def test_download_afhq_writes_lists(tmp_path, monkeypatch):
    members = {f"afhq/{split}/{d}/{d}_{i}.png": side_by_side(i) for split in ("train", "val")
               for d in ("cat", "dog", "wild") for i in range(2)}
    archive = make_zip(tmp_path / "fake.zip", members)
    monkeypatch.setitem(DATASETS, "afhq", D.DatasetSource(archive.as_uri(), "afhq.zip", "afhq"))
    root = D.download_afhq(tmp_path / "data", "cat", "wild", progress=False)
    assert (root / "trainA.txt").read_text().splitlines() == ["../afhq/train/cat/cat_0.png",
                                                             "../afhq/train/cat/cat_1.png"]
    dom_a, dom_b = unpaired_domains(root, "test", new_size=8, crop=8)
    assert len(dom_a) == 2 and len(dom_b) == 2 and "wild" in dom_b.paths[0].name
    with pytest.raises(ValueError, match="known domains: cat, dog, wild"):
        D.download_afhq(tmp_path / "data", "cat", "horse")
