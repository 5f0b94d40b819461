"""Test-wide set-up: offscreen Qt, Orange's settings in a temp HOME, no network, a private cache."""

import os
import socket
import tempfile

import pytest

_HOME = tempfile.mkdtemp(prefix="fashion-ai-test-home-")
os.environ["HOME"] = _HOME
os.environ["XDG_CACHE_HOME"] = os.path.join(_HOME, ".cache")
os.environ["XDG_DATA_HOME"] = os.path.join(_HOME, ".local", "share")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_HOME, ".config")
os.environ["FASHION_AI_CACHE"] = os.path.join(_HOME, "fashion-ai-cache")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")

_real_connect = socket.socket.connect


def _local_only_connect(sock, address):
    """Allow Unix sockets and loopback (Jupyter kernels talk over it); refuse the outside world."""
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        if not (host.startswith("127.") or host in ("::1", "localhost")):
            raise OSError(f"the kit tried to reach {address!r}: the kit must work offline")
    return _real_connect(sock, address)


socket.socket.connect = _local_only_connect


@pytest.fixture
def tmp_images(tmp_path):
    """A folder for images a test writes."""
    folder = tmp_path / "images"
    folder.mkdir()
    return folder
