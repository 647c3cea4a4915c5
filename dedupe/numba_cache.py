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
import tempfile
from pathlib import Path
from typing import Callable

__all__ = ["CACHE", "CACHE_PROBLEM", "cache_folder", "announce_compiles"]

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
                if CACHE:
                    say(f"compiling the numeric kernels, once: about a minute (kept in {cache_folder()})")
                else:
                    say(f"compiling the numeric kernels for this run only: {CACHE_PROBLEM}")

        def on_end(self, ev: event.Event) -> None:
            pass

    event.register("numba:compile", _Listener())
