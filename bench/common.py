"""Helpers for benchmarks: a fresh database, a daphne server, timing and statistics.

Benchmarks compare against a baseline measured in the same run (these machines are
noisy): quote medians and ratios, never absolute targets from another run.
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "prachum-bench-only-secret-key-not-for-production",
    # Not secret (base64 of "prachum-bench-only-national-id-k"): benchmarks hold no real person.
    "NATIONAL_ID_KEYS": "cHJhY2h1bS1iZW5jaC1vbmx5LW5hdGlvbmFsLWlkLWs=",
    "NATIONAL_ID_HASH_KEY": "prachum-bench-only-national-id-hash-key",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SITE_URL": "http://127.0.0.1:8000",
}


def setup_django(database_path=None):
    """Point Django at a throw-away SQLite database (unless DATABASE_URL is set), migrate, return its URL."""
    for key, value in BENCH_ENV.items():
        os.environ.setdefault(key, value)
    if "DATABASE_URL" not in os.environ:
        database_path = database_path or Path(tempfile.mkdtemp(prefix="prachum-bench-")) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{database_path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return os.environ["DATABASE_URL"]


def analyze_database():
    """Refresh the planner's statistics after loading a benchmark's data. A real session's
    registrations are imported days before and PostgreSQL's autovacuum has analysed them by the
    morning; a table loaded seconds ago still looks empty to the planner, which then picks plans
    no deployment would run (measured: the dashboard's latest-arrivals query took 150-270 ms
    instead of 2-5 ms). SQLite plans from its indexes alone and is left as it is."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(fn, *args, repeat=5, **kwargs):
    """Run fn `repeat` times; return (median seconds, all timings, last result)."""
    timings, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), timings, result


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# --- PostgreSQL + Redis, load generators (bench_checkin, bench_dashboard) ------------------------------

BENCH_DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/prachum_bench")
# Its own Redis database number: a test run of the project on the same Redis never sees its groups.
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")


def setup_services():
    """A fresh PostgreSQL database (dropped and created) and the Redis channel layer for this run;
    Django set up on them and migrated. Returns the database URL."""
    from urllib.parse import urlsplit

    import psycopg

    url = urlsplit(BENCH_DATABASE_URL)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
    os.environ["REDIS_URL"] = BENCH_REDIS_URL
    return setup_django()


def session_cookie(user):
    """The `sessionid` value of a saved Django session logging `user` in (as a real login does)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # the backend that loads users (the first one only throttles)
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


def children_cpu_seconds():
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_loadgen(spec, timeout=None):
    """Run bench/loadgen.py in its own process with `spec`; return its result (a dict)."""
    import json

    with tempfile.TemporaryDirectory(prefix="prachum-loadgen-") as tmp:
        spec_path, out_path = Path(tmp) / "spec.json", Path(tmp) / "out.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        limit = timeout or spec.get("time_limit", 60) + 30
        subprocess.run([sys.executable, "-m", "bench.loadgen", str(spec_path), str(out_path)], cwd=ROOT, check=True, timeout=limit)
        return json.loads(out_path.read_text(encoding="utf-8"))


def run_wrk(port, path, *, seconds, connections=16, threads=2, method="GET", bodies=None, headers=None, expect=200):
    """Closed-loop maximum with wrk (Debian's, C, light on CPU) and bench/wrk_requests.lua: each body
    (one per request, a different person each) sent once. Returns a dict of the figures, with the
    client's CPU seconds."""
    import json
    import shutil

    wrk = shutil.which("wrk")
    if not wrk:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory(prefix="prachum-wrk-") as tmp:
        body_file = "-"
        if bodies is not None:
            body_file = str(Path(tmp) / "bodies.txt")
            Path(body_file).write_text("\n".join(bodies) + "\n", encoding="utf-8")
        cmd = [
            wrk,
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench" / "wrk_requests.lua"),
            f"http://127.0.0.1:{port}{path}",
            "--",
            body_file,
            str(threads),
            method,
            path,
            str(expect),
            *[f"{k}: {v}" for k, v in (headers or {}).items()],
        ]
        cpu = children_cpu_seconds()
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
        cpu = children_cpu_seconds() - cpu
    line = next((line for line in out.splitlines() if line.startswith("WRKJSON")), None)
    if line is None:
        raise RuntimeError("wrk printed no result: " + out[-2000:])
    data = json.loads(line[len("WRKJSON") :])
    seconds_run = data["duration_us"] / 1e6
    errors = sum(data[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")) + data["bad"]
    return {
        "requests": data["requests"],
        "seconds": seconds_run,
        "throughput": data["good"] / seconds_run,
        "good": data["good"],
        "errors": errors,
        "wrapped": data["wrapped"],
        "latency_ms": {"50": data["p50_us"] / 1000, "90": data["p90_us"] / 1000, "99": data["p99_us"] / 1000, "100": data["max_us"] / 1000},
        "client_cpu_seconds": cpu,
        "connections": connections,
    }


class Interference:
    """Notes when a test run (pytest) shares the machine with a benchmark, so that its figures can be
    marked: on 2 cores a test suite beside a load test distorts both. Polls `pgrep` once a second."""

    def __init__(self, pattern="pytest"):
        import threading

        self.pattern, self.seen, self.stop = pattern, [], threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self):
        own = str(os.getpid())
        while not self.stop.wait(1.0):
            try:
                out = subprocess.run(["pgrep", "-f", self.pattern], capture_output=True, text=True).stdout.split()
            except OSError:
                return
            if [pid for pid in out if pid != own]:
                self.seen.append(time.monotonic())

    def during(self, start, end):
        return any(start - 1 <= t <= end + 1 for t in self.seen)

    def running(self):
        own = str(os.getpid())
        out = subprocess.run(["pgrep", "-f", self.pattern], capture_output=True, text=True).stdout.split()
        return any(pid != own for pid in out)

    def wait_quiet(self, max_seconds=None):
        """Wait (bounded: BENCH_WAIT_QUIET seconds, 120 by default) until no test run is on the machine."""
        limit = float(os.environ.get("BENCH_WAIT_QUIET", "120")) if max_seconds is None else max_seconds
        deadline = time.monotonic() + limit
        while self.running() and time.monotonic() < deadline:
            time.sleep(2)


INTERFERENCE = None


def interference():
    """The process-wide sampler, started on first use."""
    global INTERFERENCE
    if INTERFERENCE is None:
        INTERFERENCE = Interference()
    return INTERFERENCE
