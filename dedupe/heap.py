"""Memory on large corpora: the cycle collector, and the heap on glibc.

The collector walks every live object each time enough new ones pile up; a batch of hundreds of
thousands of articles makes it walk them again and again for nothing, since the pipeline makes
no reference cycles. glibc keeps freed memory unless told; the calls about it do nothing where
the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
from contextlib import contextmanager
from typing import Iterator

__all__ = ["no_cycle_collection", "release_freed_memory", "map_large_blocks"]

_M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h
_LARGE = 128 * 1024     # glibc's own starting threshold


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector inside the block (as it was before, after it)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@functools.lru_cache(maxsize=1)
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def release_freed_memory() -> None:
    """Hand the heap that freed objects held back to the system."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def map_large_blocks() -> None:
    """Give every block of 128 KiB or more its own mapping, returned to the system when freed.

    glibc raises that threshold as large blocks are freed, so the arrays of one stage end up in
    heap that stays with the process after it; a command that builds and drops arrays of
    hundreds of megabytes in turn peaks lower with the threshold fixed. This changes the whole
    process, so the command line calls it, the library does not.
    """
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, _LARGE)
