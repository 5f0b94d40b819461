"""Training speed on Linux: keep freed memory for reuse instead of handing it back to the system.

Each training step allocates and frees the same large activation buffers. By default glibc gives each buffer
above its threshold (128 kB, rising to 32 MB at most) a fresh mapping and unmaps it on free, so every step
pays again in page faults; `bench/training_memory.py` measures what that costs a classifier step. Raising
the two thresholds makes glibc keep and reuse that memory. The process then holds on to its peak memory
until it exits, which is what a training run wants anyway.
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
