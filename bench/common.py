"""Helpers for benchmarks: a fresh database, a daphne server, timing and statistics.

Benchmarks compare against a baseline measured in the same run (these machines are
noisy): quote medians and ratios, never absolute targets from another run.
"""
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "prachum-bench-only-secret-key-not-for-production",
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


SERVER_PIDS = {}  # base URL -> process id of a running daphne_server


def cpu_seconds(pid):
    """User + system CPU seconds a process (all its threads) has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def daphne_server(port=None, extra_env=None):
    """Run `daphne bench.asgi` against the benchmark database; yield its base URL."""
    port = port or free_port()
    # The server must share this process's SECRET_KEY and database (signed tokens, sessions):
    # values already in the environment win over the benchmark defaults.
    env = {**BENCH_ENV, **os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", **(extra_env or {})}
    # A file, not a pipe: nobody reads the server's log while it runs, and a full pipe would stall it.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    SERVER_PIDS[base] = proc.pid
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/bench/ok", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("daphne did not start: " + log.read().decode(errors="replace")[-2000:])
                time.sleep(0.2)
        yield base
    finally:
        SERVER_PIDS.pop(base, None)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


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
