"""The allocator setting that training runs ask for."""

import platform

import pytest

from fashion_ai.allocator import keep_freed_memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_agrees_to_keep_freed_memory():
    assert keep_freed_memory() is True
