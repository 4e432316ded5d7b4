"""Database threads: where check-in and live-dashboard database work runs under the ASGI server.

Django runs every sync view of an ASGI server in a thread made for that one request. For a
check-in that means a new thread, a new database connection (on SQLite: open the file, set the
PRAGMAs) and, with a queue of scanners at the door, SQLite writers sleeping in its busy handler
while another request's thread holds the write lock. Measured with a profiler on the check-in
benchmark, that overhead was about half of the server's time.

So the check-in views (desk scanner, device API) are async, and hand their work — the same sync
code as before: session, user, lookups, the service's transaction — to `run_for_request`; the
live dashboards read their snapshots there too (`run_on_db_thread`). These threads keep their
connection between requests: one thread on SQLite (one writer at a time anyway, so nobody waits
on a lock), four on PostgreSQL. (Tried and measured: the same views made sync, the request's own
thread waiting for the database thread, cost 0.3-0.5 ms more server CPU per check-in, as Django
then passes the request once more between the event loop and that thread.) After every
job the connection is checked the way Django checks one between requests: an open transaction
or a broken connection is closed, never handed to the next job.

Only requests served over ASGI go there. Under WSGI (a WSGI deployment, Django's test client and
live server) the request already has a long-lived thread and connection of its own, and maybe a
test's transaction the work must see: there the work runs in the request's thread, exactly as
Django runs a sync view. (In-process ASGI tests must therefore be transactional, as consumer
tests already are.)
"""
import threading
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db import connections

_lock = threading.Lock()
_executor = None
_threads = 0


def db_thread_count():
    """One thread on SQLite (a single writer), four elsewhere. Read from the settings: asking
    `connections` would make a connection object in the caller's thread (a request's, each time)."""
    return 1 if connections.settings["default"]["ENGINE"].endswith("sqlite3") else 4


def _get_executor():
    global _executor, _threads
    with _lock:
        if _executor is None:
            _threads = db_thread_count()
            _executor = ThreadPoolExecutor(max_workers=_threads, thread_name_prefix="prachum-db")
        return _executor


def _tidy_connections():
    """What Django does between two requests, for a connection that stays open."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is None:
            continue
        if conn.in_atomic_block or conn.get_autocommit() != conn.settings_dict["AUTOCOMMIT"]:
            conn.close()  # a job left a transaction open: it must not leak into the next job
        elif conn.errors_occurred:
            if conn.is_usable():
                conn.errors_occurred = False
            else:
                conn.close()  # the server went away; the next job connects again


def _run(fn, args, kwargs):
    try:
        return fn(*args, **kwargs)
    finally:
        _tidy_connections()


def submit_to_db_thread(fn, *args, **kwargs):
    """Start the sync `fn(*args, **kwargs)` on a database thread; return a concurrent.futures.Future."""
    return _get_executor().submit(_run, fn, args, kwargs)


async def run_on_db_thread(fn, *args, **kwargs):
    """Run the sync `fn(*args, **kwargs)` on a database thread and return its result."""
    return await sync_to_async(_run, thread_sensitive=False, executor=_get_executor())(fn, args, kwargs)


async def run_for_request(request, fn, *args, **kwargs):
    """Run a request's sync work on a database thread when it came through ASGI, else in its own thread."""
    if not served_over_asgi(request):
        return await sync_to_async(fn, thread_sensitive=True)(*args, **kwargs)
    return await run_on_db_thread(fn, *args, **kwargs)


def served_over_asgi(request):
    """Whether the request came through the ASGI server (else WSGI: its own thread and connection)."""
    return isinstance(request, ASGIRequest)


def close_db_thread_connections(timeout=10):
    """Close every database thread's connection (tests, before dropping the database)."""
    with _lock:
        executor, count = _executor, _threads
    if executor is None:
        return
    # One job per thread: each waits at the barrier until all threads hold one.
    barrier = threading.Barrier(count)

    def close():
        connections.close_all()
        try:
            barrier.wait(timeout=timeout)
        except threading.BrokenBarrierError:
            pass

    for future in [executor.submit(close) for _ in range(count)]:
        future.result(timeout=timeout + 1)
