"""A Spark standalone cluster on this machine: one master and workers, each a process of its own.

For tests and benchmarks of ``NHC_ENGINE=spark`` against a real cluster (``NHC_SPARK_MASTER``)
rather than local mode: the driver, the master and each worker are separate JVMs talking over the
network, and the executors read the lake's Parquet files themselves (here the local filesystem is
the storage every worker shares). It uses the Spark that comes with pyspark (``bin/spark-class``)
and the ``java`` on the path.

    with SparkCluster.start(workers=2) as cluster:
        settings = Settings(engine="spark", spark_master=cluster.master_url)

or from a shell, until Ctrl-C: ``python -m nhc.lake.spark_cluster --workers 2``.

Every process is started in a session of its own and stopped with its whole process group, so
stopping the cluster leaves no JVM behind (executors are children of their worker).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from nhc.errors import NhcError

_HOST = "127.0.0.1"


def spark_home() -> Path:
    """The Spark that pyspark installed (its folder has ``bin/spark-class`` and ``jars/``)."""
    try:
        import pyspark
    except ImportError:  # pragma: no cover - depends on the install
        raise NhcError("a Spark cluster needs pyspark", hint="pip install 'nhc[spark]'") from None
    home = Path(pyspark.__file__).resolve().parent
    if not (home / "bin" / "spark-class").exists():  # pragma: no cover - depends on the install
        raise NhcError(f"no bin/spark-class in {home}", hint="reinstall pyspark")
    return home


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind((_HOST, 0))
        return s.getsockname()[1]


@dataclass
class SparkCluster:
    """A running master and its workers; :meth:`stop` (or leaving a ``with`` block) ends them."""

    master_url: str
    web_url: str
    work_dir: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        workers: int = 2,
        cores: int = 1,
        memory: str = "2g",
        work_dir: Path | None = None,
        timeout: float = 180.0,
    ) -> SparkCluster:
        """Start a master and ``workers`` workers (each offering ``cores`` cores and ``memory``) on
        free ports of this machine; return once every worker has registered with the master.

        Raises :class:`~nhc.errors.NhcError` (after stopping what it started) if a process exits
        or the workers have not all registered within ``timeout`` seconds; its logs are in
        ``work_dir`` (default a new temporary folder).
        """
        work_dir = Path(work_dir or tempfile.mkdtemp(prefix="nhc-spark-cluster-"))
        work_dir.mkdir(parents=True, exist_ok=True)
        port, web_port = _free_port(), _free_port()
        cluster = cls(f"spark://{_HOST}:{port}", f"http://{_HOST}:{web_port}", work_dir)
        try:
            master_args = ["--host", _HOST, "--port", str(port), "--webui-port", str(web_port)]
            cluster._launch("master", "org.apache.spark.deploy.master.Master", master_args)
            cluster._wait(lambda status: status is not None, timeout, "the master to start")
            for i in range(workers):
                args = ["--host", _HOST, "--cores", str(cores), "--memory", memory]
                args += ["--webui-port", str(_free_port()), "--work-dir", str(work_dir / f"worker-{i}")]
                cluster._launch(
                    f"worker-{i}", "org.apache.spark.deploy.worker.Worker", [*args, cluster.master_url]
                )
            cluster._wait(lambda status: _alive_workers(status) >= workers, timeout, f"{workers} workers")
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _launch(self, name: str, main_class: str, args: list[str]) -> None:
        home = spark_home()
        env = {
            **os.environ,
            "SPARK_HOME": str(home),
            "SPARK_LOCAL_IP": _HOST,
            "SPARK_LOG_DIR": str(self.work_dir),
            # Python workers the executors start: this interpreter, this package importable.
            "PYSPARK_PYTHON": os.environ.get("PYSPARK_PYTHON", sys.executable),
        }
        log = (self.work_dir / f"{name}.log").open("ab")
        with log:
            self.processes.append(
                subprocess.Popen(
                    [str(home / "bin" / "spark-class"), main_class, *args],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,  # its own process group: stop() ends it and its children
                )
            )

    def status(self) -> dict | None:
        """The master's state as its web UI reports it (``/json``), or None if it does not answer."""
        try:
            with urllib.request.urlopen(f"{self.web_url}/json", timeout=5) as response:
                return json.load(response)
        except (OSError, ValueError):
            return None

    def _wait(self, ready, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for proc in self.processes:
                if proc.poll() is not None:
                    raise NhcError(
                        f"a Spark process exited with {proc.returncode}", hint=f"see {self.work_dir}"
                    )
            if ready(self.status()):
                return
            time.sleep(0.5)
        raise NhcError(f"waited {timeout:.0f} s for {what}", hint=f"see the logs in {self.work_dir}")

    def pids(self) -> list[int]:
        """Process ids of the master and workers still running (executors are their children)."""
        return [p.pid for p in self.processes if p.poll() is None]

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the workers (and their executors), then the master; kill what does not stop in time."""
        for proc in reversed(self.processes):
            _signal_group(proc, signal.SIGTERM)
        for proc in reversed(self.processes):
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
            _signal_group(proc, signal.SIGKILL)  # anything of its group left behind (an executor)
        self.processes.clear()

    def __enter__(self) -> SparkCluster:
        return self

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def _alive_workers(status: dict | None) -> int:
    if not status:
        return 0
    return sum(1 for w in status.get("workers", []) if w.get("state") == "ALIVE")


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def main(argv: list[str] | None = None) -> int:
    """Start a cluster, print its master URL, stop it on Ctrl-C (or SIGTERM)."""
    ap = argparse.ArgumentParser(description="A Spark standalone cluster on this machine (Ctrl-C stops it).")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cores", type=int, default=1, help="cores each worker offers")
    ap.add_argument("--memory", default="2g", help="memory each worker offers (e.g. 2g)")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with SparkCluster.start(args.workers, args.cores, args.memory) as cluster:
        print(
            f"NHC_SPARK_MASTER={cluster.master_url}  (master UI {cluster.web_url}, logs {cluster.work_dir})"
        )
        print("Ctrl-C stops the cluster.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while all(p.poll() is None for p in cluster.processes):
                time.sleep(1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
