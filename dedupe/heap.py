"""Memory on large corpora: the cycle collector, the heap on glibc, and the peak of each stage.

The collector walks every live object each time enough new ones pile up; a batch of hundreds of
thousands of articles makes it walk them again and again for nothing, since the pipeline makes
no reference cycles. glibc keeps freed memory unless told; the call that tells it does nothing
where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
from contextlib import contextmanager
from typing import Iterator

__all__ = ["no_cycle_collection", "release_freed_memory", "peak_since_last_call"]


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
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_freed_memory() -> None:
    """Hand the heap that freed objects held back to the system."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def peak_since_last_call() -> int | None:
    """This process's peak resident memory (bytes) since the last call, or since it started: the
    kernel's high-water mark (``VmHWM``), which it then resets (Linux 4.0 and later). ``None``
    where there is no such mark (not Linux). Memory of worker processes is not counted."""
    try:
        with open("/proc/self/status", "rb") as status:
            peak = next((line for line in status if line.startswith(b"VmHWM:")), None)
        if peak is None:
            return None
        with open("/proc/self/clear_refs", "w") as reset:
            reset.write("5")  # 5: reset the high-water mark to the present resident size
        return int(peak.split()[1]) * 1024
    except (OSError, ValueError):
        return None
