"""The server topologies the benchmarks compare, started on loopback ports against the bench database.

- ``uvicorn``: N uvicorn worker processes (uvloop, httptools) serving HTTP and WebSockets over ASGI;
  PostgreSQL connections from Django's psycopg pool (``DATABASE_POOL_SIZE`` per process).
- ``gunicorn``: N gunicorn WSGI workers (sync, or gthread with threads), persistent connections
  (``DATABASE_CONN_MAX_AGE`` with health checks). HTTP only: no WebSockets.
- ``split``: nginx in front (deploy/nginx-split.conf.template): gunicorn for HTTP, one uvicorn
  process for /ws/ only.
- ``split-uvicorn``: the same split with uvicorn workers for HTTP (so WebSocket fan-out and check-ins
  never share a process).
- ``daphne``: one daphne process (the server before issue 11).

Every server runs `bench.settings` (the real settings plus the bare view in bench/urls.py).
"""

import contextlib
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import BENCH_ENV, ROOT, free_port

POOL_SIZE = 4  # connections per ASGI process; see docs/DEPLOY.md


@dataclasses.dataclass(frozen=True)
class Topology:
    kind: str
    workers: int = 2
    worker_class: str = "sync"
    threads: int = 1

    @property
    def name(self):
        if self.kind == "daphne":
            return "daphne-1"
        if self.kind in ("gunicorn", "split") and self.worker_class == "gthread":
            return f"{self.kind}-{self.workers}x{self.threads}t"
        return f"{self.kind}-{self.workers}"

    @property
    def label(self):
        if self.kind == "uvicorn":
            return f"uvicorn, {self.workers} worker{'s' * (self.workers > 1)} (ASGI, HTTP + WebSockets)"
        if self.kind == "daphne":
            return "daphne, 1 process (ASGI; the server before issue 11)"
        if self.kind == "split-uvicorn":
            return f"nginx → uvicorn, {self.workers} workers for HTTP + uvicorn ×1 for /ws/ (all ASGI)"
        workers = f"{self.workers} {self.worker_class} worker{'s' * (self.workers > 1)}"
        if self.worker_class == "gthread":
            workers += f" × {self.threads} threads"
        if self.kind == "gunicorn":
            return f"gunicorn, {workers} (WSGI, HTTP only)"
        return f"nginx → gunicorn, {workers} (WSGI) + uvicorn ×1 for /ws/"

    @property
    def websockets(self):
        return self.kind != "gunicorn"


@dataclasses.dataclass
class Server:
    topology: Topology
    port: int
    pids: list  # the app servers' root processes (their workers are their children)
    proxy_pid: int = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def app_cpu(self):
        return sum(tree_cpu_seconds(pid) for pid in self.pids)

    def proxy_cpu(self):
        return tree_cpu_seconds(self.proxy_pid) if self.proxy_pid else 0.0


def _children():
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    return children


def tree_cpu_seconds(pid):
    """User + system CPU seconds of a process and all its descendants (Linux /proc)."""
    children, total, stack = _children(), 0.0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
        stack.extend(children.get(current, []))
    return total


def _service_cpu_seconds(name):
    try:
        out = subprocess.run(["pgrep", "-o", "-x", name], capture_output=True, text=True).stdout.split()
    except OSError:
        return 0.0
    return tree_cpu_seconds(int(out[0])) if out else 0.0


def postgres_cpu_seconds():
    """CPU of every PostgreSQL process on the box (the postmaster's tree), or 0 when not found."""
    return _service_cpu_seconds("postgres")


def redis_cpu_seconds():
    return _service_cpu_seconds("redis-server")


def machine_cpu_seconds():
    """CPU seconds all processes on the machine have used (user, nice and system time of every core in
    /proc/stat; interrupt time, which no process is charged for, left out)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return (fields[0] + fields[1] + fields[2]) / os.sysconf("SC_CLK_TCK")


def server_env(wsgi, extra=None):
    """WSGI workers keep their connection (CONN_MAX_AGE, health checks); ASGI processes take one
    from a pool per request (persistent connections are per thread, and ASGI runs each request's
    sync code in a new thread)."""
    env = {**BENCH_ENV, **os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONUNBUFFERED": "1"}
    if wsgi:
        env.setdefault("DATABASE_CONN_MAX_AGE", "600")
        env.pop("DATABASE_POOL_SIZE", None)
    else:
        env.setdefault("DATABASE_POOL_SIZE", str(POOL_SIZE))
        env.pop("DATABASE_CONN_MAX_AGE", None)
    env.update(extra or {})
    return env


def _uvicorn_cmd(port, workers):
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--ws",
        "websockets-sansio",
        "--lifespan",
        "off",
        "--no-access-log",
        "--log-level",
        "warning",
        "--backlog",
        "4096",
    ]


def _gunicorn_cmd(port, topology):
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(topology.workers),
        "--worker-class",
        topology.worker_class,
        "--log-level",
        "warning",
        "--backlog",
        "4096",
    ]
    if topology.worker_class == "gthread":
        cmd += ["--threads", str(topology.threads)]
    return cmd


def _wait_ready(url, procs, log, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError as error:
            if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError("server did not start: " + log.read().decode(errors="replace")[-3000:]) from error
            time.sleep(0.2)


@contextlib.contextmanager
def serve(topology, extra_env=None):
    """Start `topology` on a free loopback port; yield a Server; stop everything on exit."""
    port = free_port()
    log = tempfile.TemporaryFile()  # a file, not a pipe: nobody reads it while the server runs
    procs, proxy, prefix = [], None, None

    def start(cmd, wsgi=False):
        proc = subprocess.Popen(cmd, cwd=ROOT, env=server_env(wsgi, extra_env), stdout=log, stderr=log)
        procs.append(proc)
        return proc

    try:
        if topology.kind == "uvicorn":
            start(_uvicorn_cmd(port, topology.workers))
        elif topology.kind == "daphne":
            start([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"])
        elif topology.kind == "gunicorn":
            start(_gunicorn_cmd(port, topology), wsgi=True)
        elif topology.kind in ("split", "split-uvicorn"):
            http_port, ws_port = free_port(), free_port()
            if topology.kind == "split":
                start(_gunicorn_cmd(http_port, topology), wsgi=True)
            else:
                start(_uvicorn_cmd(http_port, topology.workers))
            start(_uvicorn_cmd(ws_port, 1))
            prefix = Path(tempfile.mkdtemp(prefix="prachum-nginx-"))
            prefix.chmod(0o755)  # nginx's workers drop root and buffer request bodies under it
            conf = (ROOT / "deploy" / "nginx-split.conf.template").read_text()
            for key, value in {
                "PREFIX": str(prefix),
                "LISTEN": f"127.0.0.1:{port}",
                "HTTP_UPSTREAM": f"127.0.0.1:{http_port}",
                "WS_UPSTREAM": f"127.0.0.1:{ws_port}",
            }.items():
                conf = conf.replace("${" + key + "}", value)
            (prefix / "nginx.conf").write_text(conf)
            nginx = shutil.which("nginx") or "/usr/sbin/nginx"
            proxy = subprocess.Popen(
                [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                stdout=log,
                stderr=log,
            )
            _wait_ready(f"http://127.0.0.1:{ws_port}/bench/ok", procs, log)
            _wait_ready(f"http://127.0.0.1:{http_port}/bench/ok", procs, log)
        else:
            raise ValueError(topology.kind)
        _wait_ready(f"http://127.0.0.1:{port}/bench/ok", procs + ([proxy] if proxy else []), log)
        if topology.workers > 1 and topology.kind != "daphne":
            time.sleep(2)  # the other workers import Django too; let them finish before measuring
        yield Server(topology, port, [p.pid for p in procs], proxy.pid if proxy else None)
    finally:
        for proc in ([proxy] if proxy else []) + procs[::-1]:
            proc.terminate()
        for proc in ([proxy] if proxy else []) + procs[::-1]:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        log.close()
        if prefix:
            shutil.rmtree(prefix, ignore_errors=True)


# The documented production topology (docs/DEPLOY.md, deploy/prod.sh), and the candidates `make bench`
# compares it with. Chosen by bench_dashboard: with 500 screens on the same uvicorn workers, the door's
# check-in answers waited behind the fan-out (p99 263 ms); with the screens on their own process, 42 ms.
PRODUCTION = Topology("split-uvicorn", workers=2)
CANDIDATES = [
    Topology("uvicorn", workers=2),
    Topology("uvicorn", workers=4),
    Topology("gunicorn", workers=2),
    Topology("split", workers=4),
    Topology("split-uvicorn", workers=2),
    Topology("daphne", workers=1),
]
