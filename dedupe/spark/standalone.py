"""A Spark standalone cluster on this machine: a master and workers started from the pyspark
distribution (``spark-class org.apache.spark.deploy.master.Master`` and ``...worker.Worker``),
for trying the job against a real ``spark://`` master, and for the tests and the benchmark.

    with StandaloneCluster(workers=2) as cluster:
        subprocess.run(["dedupe", "spark", "scan", "in.jsonl", "-o", "out/", "--master", cluster.url])

Each process is stopped by its PID when the block ends. Executors run this interpreter
(``PYSPARK_PYTHON``), so they import the installed package; on a real cluster, ship it as the
README's "On a cluster" section says.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType

__all__ = ["StandaloneCluster"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class StandaloneCluster:
    """A master and ``workers`` workers on 127.0.0.1, each with ``cores`` cores and ``memory``."""

    def __init__(self, workers: int = 2, cores: int = 1, memory: str = "2g", start_timeout: float = 120.0) -> None:
        import pyspark

        self.home = Path(pyspark.__file__).parent
        self.workers, self.cores, self.memory, self.start_timeout = workers, cores, memory, start_timeout
        self.port, self.ui_port = _free_port(), _free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        self._processes: list[subprocess.Popen] = []
        self._folder = tempfile.TemporaryDirectory(prefix="wire-dedupe-spark-")
        self.env = {**os.environ, "SPARK_HOME": str(self.home), "PYSPARK_PYTHON": sys.executable,
                    "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_LOG_DIR": self._folder.name}

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._processes]

    def __enter__(self) -> "StandaloneCluster":
        try:
            self._start("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(self.port),
                        "--webui-port", str(self.ui_port))
            for n in range(self.workers):
                work = Path(self._folder.name) / f"worker-{n}"
                self._start("org.apache.spark.deploy.worker.Worker", self.url, "--host", "127.0.0.1",
                            "--cores", str(self.cores), "--memory", self.memory, "--work-dir", str(work),
                            "--webui-port", str(_free_port()))
            self._wait_for_workers()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def _start(self, main_class: str, *args: str) -> None:
        log = open(Path(self._folder.name) / f"{main_class.rsplit('.', 1)[1].lower()}-{len(self._processes)}.log", "wb")
        # spark-class execs java: the PID is the daemon's own.
        self._processes.append(subprocess.Popen([str(self.home / "bin" / "spark-class"), main_class, *args],
                                                stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                                start_new_session=True))
        log.close()

    def _wait_for_workers(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            for process in self._processes:
                if process.poll() is not None:
                    raise RuntimeError(f"a Spark daemon exited with {process.returncode}: {self.logs()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.ui_port}/json/", timeout=2) as answer:
                    if json.load(answer).get("aliveworkers", 0) >= self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the Spark master did not see {self.workers} workers in {self.start_timeout:g} s: "
                           f"{self.logs()}")

    def logs(self) -> str:
        """The daemons' logs, for a failure's message."""
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(Path(self._folder.name).glob("*.log")))

    def stop(self) -> None:
        """Stop every daemon by its PID (workers first), and remove their folder."""
        for process in reversed(self._processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self._processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()
        self._folder.cleanup()
