"""Where the kit finds its bundled data and writes its caches."""

import os
import tempfile
from pathlib import Path


def data_samples_dir() -> Path:
    """The bundled `data_samples/` folder: the repository copy, else the installed one."""
    repo_copy = Path(__file__).resolve().parent.parent / "data_samples"
    if repo_copy.is_dir():
        return repo_copy
    import fashion_ai_data

    return Path(fashion_ai_data.__file__).resolve().parent


def cache_dir() -> Path:
    """Disk cache for expensive results (embeddings...); FASHION_AI_CACHE overrides it."""
    root = os.environ.get("FASHION_AI_CACHE")
    if root:
        return Path(root)
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg) / "fashion_ai"


def atomic_write(path, write, suffix=""):
    """Write a file through `write(tmp_path)`, then rename it into place: a crash never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=suffix)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
