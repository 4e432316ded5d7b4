"""Test helpers for faults from outside: the production server in a process of its own, and TCP
proxies that delay or cut a connection to PostgreSQL or Redis."""

import asyncio
import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shared_database_url():
    """The URL of the database this test runs on, for a server process to share it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


_collected = {}


def collected_static_root():
    """A STATIC_ROOT that `collectstatic` filled, as a release's is (once per test run: pages served with
    DEBUG off link the hashed names of its manifest)."""
    if "root" not in _collected:
        root = Path(os.environ.get("TMPDIR", "/tmp")) / f"prachum-test-static-{os.getpid()}"
        env = {**os.environ, "DEBUG": "0", "SECRET_KEY": settings.SECRET_KEY, "ALLOWED_HOSTS": "127.0.0.1", "STATIC_ROOT": str(root)}
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        _collected["root"] = root
    return _collected["root"]


class ProductionServer:
    """`uvicorn config.asgi:application`, as docs/DEPLOY.md runs it, one worker, on a free port, with
    the static files collected."""

    def __init__(self, extra_env=None, access_log=False):
        self.port = free_port()
        self.access_log = access_log
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DATABASE_URL": shared_database_url(),
            "STATIC_ROOT": str(collected_static_root()),
            **(extra_env or {}),
        }
        self.process = None

    def start(self):
        self.log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"prachum-server-{self.port}.log", "wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--lifespan",
                "off",
                *([] if self.access_log else ["--no-access-log"]),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log.name}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return self
            time.sleep(0.1)
        raise RuntimeError("server did not start in 30 s")

    def kill(self):
        """SIGKILL: no chance to finish anything, as when a machine loses power."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


class TcpProxy:
    """A proxy to 127.0.0.1:`target_port` on its own event loop thread. `delay` holds every
    answer back that long (a server too busy to answer in time); `cut()` drops every connection
    and refuses new ones (the database unreachable) until `restore()`."""

    def __init__(self, target_port, delay=0.0):
        self.target_port, self.delay = target_port, delay
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server = None
        self.writers = set()

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    async def _pipe(self, reader, writer, delay):
        queue = asyncio.Queue()

        async def forward():
            while True:
                due, data = await queue.get()
                if data is None:
                    break
                await asyncio.sleep(max(0.0, due - self.loop.time()))
                writer.write(data)
                await writer.drain()

        task = asyncio.ensure_future(forward())
        try:
            while data := await reader.read(65536):
                queue.put_nowait((self.loop.time() + delay, data))
            queue.put_nowait((0, None))
            await task
        finally:
            task.cancel()
            writer.close()

    async def _handle(self, client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.close()
            return
        self.writers |= {client_writer, server_writer}
        with contextlib.suppress(Exception):
            await asyncio.gather(self._pipe(client_reader, server_writer, 0), self._pipe(server_reader, client_writer, self.delay))
        self.writers -= {client_writer, server_writer}

    async def _listen(self):
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self):
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()

    def cut(self):
        self._run(self._cut())

    def restore(self):
        self._run(self._listen())

    def __enter__(self):
        self.thread.start()
        self.restore()
        return self

    async def _stop_tasks(self):
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def __exit__(self, *exc):
        self._run(self._cut())
        self._run(self._stop_tasks())  # no coroutine left for the garbage collector to finalise later
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()
