"""Training speed on Linux: keep freed memory for reuse instead of handing it back to the system.

Each training step allocates and frees the same large activation buffers. By default glibc maps every
buffer over 32 MB afresh and returns it on free, so the next step pays again in page faults (on a 2-core
laptop, about a third of a classifier step; `bench/training_memory.py` measures it). Raising the two
thresholds makes glibc keep and reuse that memory. The process then holds on to its peak memory until
it exits, which is what a training run wants anyway.
"""

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_LARGEST = 2**31 - 1  # mallopt takes a C int


def keep_freed_memory() -> bool:
    """Ask glibc to reuse freed memory; True if it agreed (False elsewhere: macOS, Windows, musl)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(_M_MMAP_THRESHOLD, 1 << 30)) and bool(mallopt(_M_TRIM_THRESHOLD, _LARGEST))
