"""The kit makes no network connection: its commands run in a network namespace with no network at all."""

import shutil
import socket
import subprocess
import sys

import pytest

from fashion_ai.paths import data_samples_dir


def _no_network_prefix():
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-n", "true"], capture_output=True).returncode != 0:
        return None
    return [unshare, "-n"]


NO_NET = _no_network_prefix()
needs_unshare = pytest.mark.skipif(NO_NET is None, reason="unshare -n is not available here")

OFFLINE_SCRIPT = """
import numpy as np
from fashion_ai.consumer_shop import sample_set
from fashion_ai.embedding import get_embedder, embed_paths
from fashion_ai.images import load_image
paths = list(sample_set()["path"][:4])
for name in ("efficientnet-lite0", "squeezenet", "fashion"):
    vectors = get_embedder(name).embed([load_image(p) for p in paths])
    assert vectors.shape[0] == 4 and np.isfinite(vectors).all(), name
print("offline ok")
"""


@needs_unshare
def test_embedders_work_without_any_network():
    done = subprocess.run(NO_NET + [sys.executable, "-c", OFFLINE_SCRIPT], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "offline ok" in done.stdout


@needs_unshare
def test_set_check_runs_without_any_network():
    manifest = data_samples_dir() / "c2s_sample" / "manifest.csv"
    done = subprocess.run(NO_NET + [sys.executable, "-m", "fashion_ai", "c2s", "check", str(manifest)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_the_test_process_refuses_outside_connections():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(OSError, match="offline"):
            sock.connect(("192.0.2.1", 80))
