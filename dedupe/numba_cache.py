"""Where numba keeps the compiled kernels, and a word on standard error when it compiles them.

numba caches a compiled function beside its module, else in the user's cache folder. A package
installed read-only for a user whose home is read-only too (a container run as another user)
has neither, and numba refuses to decorate a cached function at import. Before numba is
imported, this module makes sure a writable folder is set: ``NUMBA_CACHE_DIR`` when the user
set it, else the package's folder when writable, else ``$XDG_CACHE_HOME/wire-dedupe/numba`` (or
``~/.cache/...``), else one in the temporary folder (``TMPDIR``). When nothing is writable the
kernels are compiled for each run, and :data:`CACHE_PROBLEM` says so.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

__all__ = ["CACHE", "CACHE_PROBLEM", "cache_folder", "announce_compiles", "compiles_finish_before_ctrl_c"]

_PACKAGE = Path(__file__).resolve().parent


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-", delete=True)
        probe.close()
        return True
    except OSError:
        return False


def _choose() -> tuple[str | None, str | None]:
    """(the folder numba should cache in, or None to leave it to numba; a problem, if any)."""
    given = os.environ.get("NUMBA_CACHE_DIR")
    if given:
        if _writable(Path(given)):
            return None, None
        return "", f"NUMBA_CACHE_DIR={given} cannot be written"
    if os.access(_PACKAGE, os.W_OK) and _writable(_PACKAGE / "__pycache__"):
        return None, None
    home_cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidates = [Path(home_cache) / "wire-dedupe" / "numba",
                  # TMPDIR as the user set it (tempfile would quietly fall back to /tmp).
                  Path(os.environ.get("TMPDIR") or tempfile.gettempdir())
                  / f"wire-dedupe-numba-{os.getuid() if hasattr(os, 'getuid') else 0}"]
    for folder in candidates:
        if _writable(folder):
            return str(folder), None
    return "", ("no writable folder for the compiled kernels (the package's, "
                f"{candidates[0]}, {candidates[1]}); set NUMBA_CACHE_DIR to one")


_folder, CACHE_PROBLEM = _choose()
if _folder:
    os.environ["NUMBA_CACHE_DIR"] = _folder
CACHE: bool = CACHE_PROBLEM is None
"""Whether kernels are cached between runs (``cache=`` of every ``numba.njit`` here)."""


def cache_folder() -> str:
    """Where the compiled kernels are kept, for messages."""
    return os.environ.get("NUMBA_CACHE_DIR") or str(_PACKAGE / "__pycache__")


def _some_kernels_cached() -> bool:
    """Whether the cache holds any of dedupe's kernels (numba's index files, ``*.nbi``)."""
    given = os.environ.get("NUMBA_CACHE_DIR")
    found = Path(given).rglob("*.nbi") if given else _PACKAGE.glob("**/__pycache__/*.nbi")
    return next(iter(found), None) is not None


def announce_compiles(say: Callable[[str], None]) -> None:
    """Call ``say`` once, with a line for people, when numba starts compiling one of dedupe's
    kernels (the first run after installing, or after the cache was cleared); never when they
    load from the cache."""
    from numba.core import event

    class _Listener(event.Listener):
        said = False

        def on_start(self, ev: event.Event) -> None:
            dispatcher = (ev.data or {}).get("dispatcher")
            module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
            if not self.said and module.startswith("dedupe."):
                self.said = True
                if CACHE and _some_kernels_cached():
                    # Some are kept already: a kind of input not met before, or a first run cut short.
                    say(f"compiling the numeric kernels this run needs that are not kept yet, once (kept in "
                        f"{cache_folder()})")
                elif CACHE:
                    say(f"compiling the numeric kernels, once: about a minute (kept in {cache_folder()})")
                else:
                    say(f"compiling the numeric kernels for this run only: {CACHE_PROBLEM}")

        def on_end(self, ev: event.Event) -> None:
            pass

    event.register("numba:compile", _Listener())


@contextmanager
def compiles_finish_before_ctrl_c() -> Iterator[None]:
    """Within this block, Ctrl-C that comes while numba compiles a kernel (or loads one from the
    cache) raises :class:`KeyboardInterrupt` as soon as that is done, not in the middle of it.

    numba cannot be interrupted mid-compile: a half-built kernel crashed the interpreter as it
    exited, or the interrupt came back as "RuntimeError: no compiled object yet". numba compiles
    holding its global compiler lock, and says when it lets go of it. Outside the main thread, or
    when the program handles SIGINT its own way, the block changes nothing. It does not import
    numba (a command that never compiles starts no slower).
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    pending = False  # an interrupt waits for the compile to end
    listener = None  # the listener for the lock's release, registered at the first wait

    def compiling() -> bool:
        lock = sys.modules.get("numba.core.compiler_lock")
        # The lock is re-entrant and counts as held only by its owner: here, the main thread.
        return lock is not None and lock.global_compiler_lock.is_locked()

    def on_ctrl_c(signum: int, frame: object) -> None:
        nonlocal pending, listener
        if not compiling():
            raise KeyboardInterrupt
        pending = True
        if listener is None:
            from numba.core import event

            class _LockReleased(event.Listener):
                def on_start(self, ev: event.Event) -> None:
                    pass

                def on_end(self, ev: event.Event) -> None:
                    nonlocal pending
                    # Nested compiles let go of the lock while the outer one still holds it.
                    if pending and not compiling():
                        pending = False
                        raise KeyboardInterrupt

            listener = _LockReleased()
            event.register("numba:compiler_lock", listener)

    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if listener is not None:
            from numba.core import event
            event.unregister("numba:compiler_lock", listener)
