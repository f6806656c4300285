"""Full-MNIST download against a local HTTP server (127.0.0.1 only: no test touches the internet)."""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import socket
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnlib import datasets
from nnlib.digits.model import DEFAULT_CONFIG
from services import mnist


def small_mnist_bytes(n_train=120, n_test=40) -> bytes:
    """An mnist.npz in the published format, made from the bundled 28×28 MNIST sample."""
    images, labels = datasets.mnist_5k()
    images, labels = images[:n_train + n_test].astype(np.uint8), labels[:n_train + n_test].astype(np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, x_train=images[:n_train], y_train=labels[:n_train],
                        x_test=images[n_train:], y_test=labels[n_train:])
    return buf.getvalue()


class Files(http.server.BaseHTTPRequestHandler):
    """Serves server.files[path]; '/truncated' promises more bytes than it sends; '/slow' never answers."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.server.requests.append(self.path)
        if self.path == "/slow":
            time.sleep(3)
            return
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body) * (2 if self.path == "/truncated" else 1)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def payload():
    data = small_mnist_bytes()
    return data, hashlib.sha256(data).hexdigest()


@pytest.fixture
def server(payload):
    data, _ = payload
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Files)
    httpd.daemon_threads = True
    httpd.files = {"/mnist.npz": data, "/truncated": data, "/random.bin": np.random.default_rng(0).bytes(5000)}
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def leftovers(folder: Path):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_verifies_and_stores_the_file_atomically(server, payload, tmp_path):
    httpd, url = server
    data, digest = payload
    dest = tmp_path / "cache" / "mnist.npz"
    seen = []
    path = mnist.download_mnist(f"{url}/mnist.npz", digest, dest=dest, progress=lambda d, t: seen.append((d, t)))
    assert path == dest and dest.read_bytes() == data
    assert leftovers(dest.parent) == ["mnist.npz"]  # no .part file left behind
    assert seen[0] == (0, len(data)) and seen[-1] == (len(data), len(data))
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))
    # Already there with the right checksum: not downloaded again.
    mnist.download_mnist(f"{url}/mnist.npz", digest, dest=dest)
    assert httpd.requests == ["/mnist.npz"]


def test_downloaded_file_loads_at_28_and_16_pixels(server, payload, tmp_path):
    _, url = server
    dest = mnist.download_mnist(f"{url}/mnist.npz", payload[1], dest=tmp_path / "mnist.npz")
    (x_train, y_train), (x_test, y_test) = mnist.load_mnist(dest)
    assert x_train.shape == (120, 28, 28) and x_train.dtype == np.uint8 and y_test.shape == (40,)
    (X16, y16), _ = mnist.mnist16(dest)
    assert X16.shape == (120, 256) and X16.dtype == np.float32 and X16.min() >= 0 and X16.max() <= 1
    expected = datasets.downsample(x_train.astype(np.float32) / 255).reshape(120, -1)
    np.testing.assert_allclose(X16, np.clip(expected, 0, 1), atol=1e-6)
    np.testing.assert_array_equal(y16, y_train)


def test_checksum_mismatch_leaves_no_file(server, tmp_path):
    _, url = server
    with pytest.raises(mnist.DownloadError, match="SHA-256 .* discarded"):
        mnist.download_mnist(f"{url}/mnist.npz", "0" * 64, dest=tmp_path / "mnist.npz")
    assert leftovers(tmp_path) == []


def test_unreachable_server_gives_a_clear_message_and_no_file(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(mnist.DownloadError, match="Could not reach 127.0.0.1.*internet connection"):
        mnist.download_mnist(f"http://127.0.0.1:{port}/mnist.npz", "0" * 64, dest=tmp_path / "mnist.npz")
    assert leftovers(tmp_path) == []


def test_http_error_and_broken_connection_and_timeout(server, payload, tmp_path):
    _, url = server
    with pytest.raises(mnist.DownloadError, match="404"):
        mnist.download_mnist(f"{url}/missing.npz", payload[1], dest=tmp_path / "mnist.npz")
    with pytest.raises(mnist.DownloadError, match="broke off"):
        mnist.download_mnist(f"{url}/truncated", payload[1], dest=tmp_path / "mnist.npz")
    with pytest.raises(mnist.DownloadError, match="Could not reach"):
        mnist.download_mnist(f"{url}/slow", payload[1], dest=tmp_path / "mnist.npz", timeout=0.5)
    assert leftovers(tmp_path) == []


def test_right_checksum_but_not_mnist_is_rejected(server, tmp_path):
    httpd, url = server
    digest = hashlib.sha256(httpd.files["/random.bin"]).hexdigest()
    with pytest.raises(mnist.DownloadError, match="not a readable MNIST file"):
        mnist.download_mnist(f"{url}/random.bin", digest, dest=tmp_path / "mnist.npz")
    assert leftovers(tmp_path) == []


def test_oversized_download_is_stopped(server, payload, tmp_path):
    _, url = server
    with pytest.raises(mnist.DownloadError, match="refused"):
        mnist.download_mnist(f"{url}/mnist.npz", payload[1], dest=tmp_path / "mnist.npz", max_bytes=1000)
    assert leftovers(tmp_path) == []


def test_only_http_urls_are_fetched(tmp_path):
    with pytest.raises(mnist.DownloadError, match="http"):
        mnist.download_mnist("file:///etc/passwd", "0" * 64, dest=tmp_path / "mnist.npz")


def test_a_failed_download_keeps_the_existing_file_and_the_bundled_digits(server, payload, tmp_path):
    _, url = server
    dest = tmp_path / "mnist.npz"
    dest.write_bytes(payload[0])
    with pytest.raises(mnist.DownloadError):
        mnist.download_mnist(f"{url}/mnist.npz", "f" * 64, dest=dest)
    assert dest.read_bytes() == payload[0]
    (X, _), (X_test, _) = datasets.digits()
    assert X.shape == (4000, 256) and X_test.shape == (1000, 256)


def test_environment_names_a_mirror(monkeypatch, server, payload, tmp_path):
    _, url = server
    monkeypatch.setenv("NNLIB_MNIST_URL", f"{url}/mnist.npz")
    monkeypatch.setenv("NNLIB_MNIST_SHA256", payload[1])
    monkeypatch.setenv("NNLIB_CACHE_DIR", str(tmp_path))
    assert mnist.download_mnist() == tmp_path / "mnist.npz"


def test_published_source_is_the_keras_file():
    assert mnist.MNIST_URL == "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
    assert len(mnist.MNIST_SHA256) == 64 and int(mnist.MNIST_SHA256, 16)


def test_retrain_on_the_downloaded_file_and_cache_it(server, payload, tmp_path, monkeypatch):
    _, url = server
    monkeypatch.setenv("NNLIB_CACHE_DIR", str(tmp_path))
    path = mnist.download_mnist(f"{url}/mnist.npz", payload[1])
    config = replace(DEFAULT_CONFIG, hidden=(32,), epochs=2)
    assert mnist.cached_full_model(config) is None
    epochs = []
    model = mnist.train_full_model(path, config=config, progress=lambda e, n, p: epochs.append((e, n)))
    assert epochs == [(1, 2), (2, 2)]
    assert model.sizes() == [256, 32, 10]
    cached = mnist.cached_full_model(config)
    np.testing.assert_array_equal(cached.get_weights()[0], model.get_weights()[0])
    assert not list(tmp_path.glob("*.part"))


def test_an_unwritable_cache_gives_a_clear_message_not_a_traceback(server, payload, tmp_path, monkeypatch):
    """A read-only cache or home: the folder cannot be made, or no file can be created in it."""
    _, url = server
    data, digest = payload
    blocker = tmp_path / "home"
    blocker.write_text("a file where the cache folder should be")
    with pytest.raises(mnist.DownloadError, match=r"Could not write into the cache folder .*home/cache.*"
                                                  r"Set NNLIB_CACHE_DIR to a writable folder\."):
        mnist.download_mnist(f"{url}/mnist.npz", digest, dest=blocker / "cache" / "mnist.npz")

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr("nnlib.files.tempfile.mkstemp", read_only)  # download_mnist writes via nnlib.files
    with pytest.raises(mnist.DownloadError, match=r"\(Read-only file system\)"):
        mnist.download_mnist(f"{url}/mnist.npz", digest, dest=tmp_path / "ro" / "mnist.npz")


def test_a_killed_downloads_part_file_is_removed_by_the_next_download(server, payload, tmp_path):
    _, url = server
    data, digest = payload
    dest = tmp_path / "mnist.npz"
    dead = tmp_path / "mnist.npzk1l2ed.part"        # left by a server killed mid-download
    live = tmp_path / "mnist.npzrunning.part"        # another download, still writing
    dead.write_bytes(b"x" * 1000)
    live.write_bytes(b"y" * 10)
    old = time.time() - mnist.STALE_PART_S - 5
    os.utime(dead, (old, old))
    mnist.download_mnist(f"{url}/mnist.npz", digest, dest=dest)
    assert leftovers(tmp_path) == ["mnist.npz", "mnist.npzrunning.part"]
