"""On a real Spark standalone cluster, NHC gives the answers it gives on DuckDB.

The fixture starts one master and two workers on this machine, each a JVM of its own
(:class:`nhc.lake.spark_cluster.SparkCluster`), and stops them at the end. The Spark tests (every spec
test's Spark run, the lake-reading engine tests and the whole pipeline on a small county, which must
equal DuckDB's tables) then run in a fresh pytest process with ``NHC_ENGINE=spark`` and
``NHC_SPARK_MASTER=spark://…``: a process holds one Spark session, and this one may already hold a
local one. Their executors read the lakes those tests write to temporary folders: the local
filesystem is the shared storage here.

The two tests that start a cluster are marked slow, so they are not in ``make test``: the cluster
takes 20-40 s to start and the 86 Spark tests took 12 minutes on it (two cores shared with four other
busy sessions). Run them with ``pytest -m slow tests/analytics/test_spark_cluster.py``;
``benchmarks/pipeline.py --cluster-lake LAKE`` runs the county's pipeline on the same kind of cluster.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from nhc.errors import NhcError
from nhc.lake.spark_cluster import SparkCluster, spark_home

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2
# The Spark runs of these tests: each compares Spark's output with the expected table (the spec
# tests) or with DuckDB's output on the same lake (the engine tests, the whole pipeline).
SPARK_TESTS = [
    "tests/spec",
    "tests/lake/test_engine_and_dictionary.py",
    "tests/lake/test_spark_output.py",  # executors write output parts at the lake's absolute path
    "tests/analytics/test_engines_agree.py",
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if shutil.which("java") is None:
        pytest.fail("Spark tests need Java: run `make test`, which installs it")
    with SparkCluster.start(
        workers=WORKERS, cores=1, memory="1500m", work_dir=tmp_path_factory.mktemp("spark")
    ) as c:
        yield c


def test_the_spark_pyspark_installed_is_the_one_started() -> None:
    assert (spark_home() / "bin" / "spark-class").is_file()
    assert (spark_home() / "jars").is_dir()


def _sleeper() -> subprocess.Popen:
    # A stand-in for a worker: a process group of a shell and its child (as a worker and its executor).
    return subprocess.Popen(["sh", "-c", "sleep 600 & sleep 600; wait"], start_new_session=True)


def test_stopping_the_cluster_leaves_no_process_of_it_behind(tmp_path) -> None:
    cluster = SparkCluster("spark://127.0.0.1:1", "http://127.0.0.1:1", tmp_path, [_sleeper()])
    root = psutil.Process(cluster.processes[0].pid)
    deadline = time.monotonic() + 10
    while len(root.children()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    family = [root, *root.children(recursive=True)]
    assert len(family) == 3 and cluster.pids() == [root.pid]
    cluster.stop(timeout=5)
    assert cluster.pids() == []
    _gone, alive = psutil.wait_procs(family, timeout=5)
    assert not alive


def test_a_process_that_exits_while_starting_stops_the_wait_with_a_message(tmp_path) -> None:
    failing = subprocess.Popen(["sh", "-c", "exit 3"], start_new_session=True)
    cluster = SparkCluster("spark://127.0.0.1:1", "http://127.0.0.1:1", tmp_path, [failing])
    with pytest.raises(NhcError, match="a Spark process exited with 3"):
        cluster._wait(lambda status: False, timeout=10, what="nothing")
    assert cluster.status() is None  # no master answers on port 1


def test_waiting_gives_up_after_its_timeout(tmp_path) -> None:
    cluster = SparkCluster("spark://127.0.0.1:1", "http://127.0.0.1:1", tmp_path, [])
    with pytest.raises(NhcError, match="waited 1 s for 2 workers"):
        cluster._wait(lambda status: False, timeout=1, what="2 workers")


@pytest.mark.slow
@pytest.mark.spark
def test_the_cluster_is_a_master_and_two_workers_each_a_process_of_its_own(cluster):
    status = cluster.status()
    alive = [w for w in status["workers"] if w["state"] == "ALIVE"]
    assert len(alive) == WORKERS and all(w["cores"] == 1 for w in alive)
    pids = cluster.pids()
    assert len(set(pids)) == 1 + WORKERS and os.getpid() not in pids


@pytest.mark.slow
@pytest.mark.spark
def test_spark_on_the_cluster_gives_the_answers_duckdb_gives(cluster):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "NHC_ENGINE": "spark",
        "NHC_SPARK_MASTER": cluster.master_url,
        "NHC_SPARK_CORES": str(WORKERS),
        "NHC_SPARK_MEMORY": "1g",  # the driver's, and each executor's (within a worker's 1500m)
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "spark", *SPARK_TESTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    passed = re.search(r"(\d+) passed", done.stdout)
    assert passed and int(passed.group(1)) >= 80, done.stdout[-2000:]
    # ... and they ran on the cluster: the master saw NHC's application come and go.
    # one reading of the master's state: the app may move from active to completed between two
    status = cluster.status()
    apps = status["completedapps"] + status["activeapps"]
    assert [a["name"] for a in apps] == ["nhc"], status
