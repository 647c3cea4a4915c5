"""The installed tool as users meet it: a read-only install, a first run that says it compiles,
and a quick --help and --version."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import dedupe

from conftest import SAMPLE, unavailable

PACKAGE = Path(dedupe.__file__).resolve().parent


@pytest.fixture()
def read_only_install():
    """The package copied into a folder nobody may write, with a home nobody may write, run as
    an unprivileged user (root ignores permissions)."""
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        unavailable("running as root without setpriv: cannot drop privileges to test permissions")
    top = Path(tempfile.mkdtemp(prefix="dedupe-ro-"))
    site = top / "site"
    shutil.copytree(PACKAGE, site / "dedupe", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(SAMPLE, top / "sample")
    home, scratch = top / "home", top / "tmp"
    home.mkdir()
    scratch.mkdir()
    for path in [top, *top.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    top.chmod(0o755)
    try:
        yield top, site, home, scratch
    finally:
        for path in [top, *top.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(top, ignore_errors=True)


def _as_user(args: list[str], env: dict[str, str], cwd: Path, timeout: float) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        args = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *args]
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def test_a_read_only_install_without_a_writable_cache_still_scans_and_says_why(read_only_install) -> None:
    top, site, home, scratch = read_only_install
    # NUMBA_OPT=0: the kernels compile a fifth faster; what is tested is where they are kept.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "TMPDIR": str(scratch),
           "XDG_CACHE_HOME": str(home / ".cache"), "PYTHONPATH": str(site), "COLUMNS": "120", "NUMBA_OPT": "0"}
    done = _as_user([sys.executable, "-c", "import dedupe, dedupe.cli; dedupe.cli.main()", "scan", "sample", "-q"],
                    env, top, timeout=900)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    assert "19 articles · 2 stories" in done.stdout
    assert "compiling the numeric kernels for this run only: no writable folder" in done.stderr
    assert "set NUMBA_CACHE_DIR" in done.stderr


def test_a_read_only_install_caches_in_the_user_s_cache_folder(read_only_install) -> None:
    top, site, home, scratch = read_only_install
    writable_home = Path(tempfile.mkdtemp(prefix="dedupe-home-"))
    writable_home.chmod(0o777)
    try:
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(writable_home), "TMPDIR": str(scratch),
               "PYTHONPATH": str(site)}
        code = "import os, dedupe, dedupe.numba_cache as c; print(c.CACHE, os.environ['NUMBA_CACHE_DIR'])"
        done = _as_user([sys.executable, "-c", code], env, top, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["True", str(writable_home / ".cache" / "wire-dedupe" / "numba")]
    finally:
        shutil.rmtree(writable_home, ignore_errors=True)


def test_help_and_version_import_nothing_heavy() -> None:
    """--help and --version answer at once because the command line imports the pipeline (numba,
    scikit-learn, scipy) only when a command runs; their time is in benchmarks/startup.py."""
    for args in (["--version"], ["--help"], ["scan", "--help"], ["index", "add", "--help"]):
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "dedupe", *args], capture_output=True,
                              text=True)
        assert done.returncode == 0, done.stderr
        imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
        assert not imported & {"numba", "sklearn", "scipy", "pandas", "pyarrow"}, args
