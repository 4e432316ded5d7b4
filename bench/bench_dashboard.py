"""Delay from a check-in to its arrival on live dashboards.

One daphne server (the same settings as production: SQLite and the in-memory channel layer unless
DATABASE_URL / REDIS_URL are set) holds 500 dashboard sockets of central staff while check-ins arrive
through the device API (`POST /api/checkins`, one desk per province) at 100 per second. For every
check-in and every screen, the delay is the time from the server taking the check-in request (its
`checked_in_at`, before the commit) to the first message on that screen whose absolute count
includes it. Baseline from the same run: the same load with a single screen connected.
"""
import asyncio
import collections
import contextlib
import json
import os
import re
import statistics
import time

TITLE = "Live dashboard: check-in to screen delay (500 screens, 100 check-ins/s)"

SCREENS = 500
# Server processes (daphne) sharing the load, as a deployment behind a load balancer; above 1
# they need REDIS_URL and PostgreSQL.
SERVERS = int(os.environ.get("BENCH_DASHBOARD_SERVERS", "1"))
RATE = 100  # check-ins per second
BASELINE_SECONDS = 5
LOAD_SECONDS = 10
HTTP_CONNECTIONS = 8
REGISTRATIONS = 2660
COUNT_RE = re.compile(rb'"checked_in":(\d+)')


def _prepare():
    from django.utils import timezone

    from attendance.services import issue_scanner_device
    from bench.common import analyze_database
    from attendance.tests.sockets import session_cookie_value
    from meetings.models import Province, Registration, RoleCategory
    from meetings.tests.factories import make_session, make_user, make_venue

    session = make_session(starts_at=timezone.now() + timezone.timedelta(minutes=30))
    provinces = list(Province.objects.order_by("code"))
    roles = list(RoleCategory.objects.filter(code__in=["committee", "provincial_officer"]))
    venues = {p.pk: make_venue(session, p.code) for p in provinces}
    officer = make_user("bench-desks", kind="central")
    tokens = {pk: issue_scanner_device(venue=venue, name="bench", user=officer)[1] for pk, venue in venues.items()}
    Registration.objects.bulk_create(
        [
            Registration(
                session=session, province=provinces[i % 77], role=roles[i % 2], venue=venues[provinces[i % 77].pk],
                prefix="นาย", first_name=f"ผู้เข้าร่วม{i}", last_name="ทดสอบ", phone=f"09{i:08d}", token_key=f"bench-{i}",
            )
            for i in range(REGISTRATIONS)
        ],
        batch_size=500,
    )
    # Each person is checked in by their own province's desk, through the device API.
    scans = [(tokens[r.province_id], r.get_personal_url()) for r in Registration.objects.filter(session=session).order_by("?")]
    user = make_user("bench-warroom", kind="central")
    analyze_database()
    return session.pk, scans, f"sessionid={session_cookie_value(user)}"


class Screen:
    """One dashboard socket: records (receipt time, absolute checked-in count) of every message."""

    def __init__(self):
        self.messages = []
        self.ready = asyncio.Event()
        self.error = None

    async def run(self, url, headers, stop):
        try:
            await self._run(url, headers, stop)
        except Exception as exc:
            self.error = repr(exc)
            self.ready.set()

    async def _run(self, url, headers, stop):
        import websockets

        async with websockets.connect(url, additional_headers=headers, max_size=2**24, open_timeout=60) as ws:
            while not stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(decode=False), timeout=0.5)
                except asyncio.TimeoutError:
                    continue
                now = time.time()
                match = COUNT_RE.search(raw)  # the first "checked_in" is the totals'
                self.messages.append((now, int(match.group(1))))
                self.ready.set()


async def _http_worker(host, port, queue, results):
    """A keep-alive HTTP/1.1 client posting check-ins to the device API (stdlib only, 127.0.0.1)."""
    from datetime import datetime

    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            item = await queue.get()
            if item is None:
                return
            token, url = item
            body = json.dumps({"code": url, "nonce": url[-20:]}).encode()
            writer.write(
                b"POST /api/checkins HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token.encode()
                + b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
            )
            await writer.drain()
            status = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            payload = await reader.readexactly(length)
            if b" 201 " not in status:
                raise RuntimeError(f"check-in failed: {status!r} {payload[:200]!r}")
            # The server's time for the check-in: when it took the request, before the commit.
            results.append(datetime.fromisoformat(json.loads(payload)["checked_in_at"]).timestamp())
    finally:
        writer.close()


async def _check_in(ports, ids, seconds):
    """Post check-ins at RATE per second for `seconds`, the connections spread over the servers
    (as a load balancer would); return the servers' check-in times."""
    queue, results = asyncio.Queue(), []
    workers = [
        asyncio.create_task(_http_worker("127.0.0.1", ports[n % len(ports)], queue, results)) for n in range(HTTP_CONNECTIONS)
    ]
    start = time.monotonic()
    for i, registration_id in enumerate(ids[: RATE * seconds]):
        delay = start + i / RATE - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait(registration_id)
    for _ in workers:
        queue.put_nowait(None)
    # Bounded: a server that cannot keep up is reported with what it committed in time.
    done, pending = await asyncio.wait(workers, timeout=max(120, seconds * 6))
    for task in pending:
        task.cancel()
    for task in done:
        if task.exception():
            raise task.exception()
    return sorted(results), time.monotonic() - start


def _delays(commits, already, screens):
    """Per screen and check-in: first receipt whose count includes it, minus the check-in's time."""
    delays, missing = [], 0
    for screen in screens:
        messages = screen.messages
        j = 0
        for rank, committed_at in enumerate(commits, start=already + 1):
            while j < len(messages) and messages[j][1] < rank:
                j += 1
            if j == len(messages):
                missing += len(commits) - (rank - already - 1)
                break
            delays.append(messages[j][0] - committed_at)
    return delays, missing


def _rate(screens, seconds):
    counts = [len(s.messages) for s in screens]
    return statistics.median(counts) / seconds, max(counts) / seconds


async def _scenario(bases, session_id, ids, cookie):
    from bench.common import percentile

    ports = [int(base.rsplit(":", 1)[1]) for base in bases]
    stop = asyncio.Event()
    tasks = []
    opened = [0]

    def screen_task(screen):
        # Screens spread over the servers, one after another.
        base = bases[opened[0] % len(bases)]
        opened[0] += 1
        url = f"ws://127.0.0.1:{base.rsplit(':', 1)[1]}/ws/sessions/{session_id}/attendance/"
        return asyncio.create_task(screen.run(url, {"Cookie": cookie, "Origin": base}, stop))

    def server_cpu():
        return sum(_server_cpu(base) for base in bases)

    async def open_screens(n):
        new = [Screen() for _ in range(n)]
        for k in range(0, n, 50):  # connect in waves, like screens returning after a restart
            batch = new[k : k + 50]
            tasks.extend(screen_task(s) for s in batch)
            await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in batch)), timeout=120)
        return new

    rows, busy = [], {}
    try:
        # Baseline: one screen.
        single = await open_screens(1)
        single[0].messages.clear()
        base_ids, ids = ids[: RATE * BASELINE_SECONDS], ids[RATE * BASELINE_SECONDS :]
        cpu = server_cpu()
        commits, took = await _check_in(ports, base_ids, BASELINE_SECONDS)
        busy["1 screen (baseline)"] = (server_cpu() - cpu) / took
        await asyncio.sleep(1.5)
        delays, missing = _delays(commits, 0, single)
        rows.append(("1 screen (baseline)", len(commits), took, delays, missing, _rate(single, took), single[0].messages[-1][1]))
        already = len(commits)

        # Load: 500 screens.
        screens = single + await open_screens(SCREENS - 1)
        connect_counts = {s.messages[-1][1] for s in screens if s.messages}
        connect_errors = collections.Counter(s.error for s in screens if s.error)
        for s in screens:
            s.messages.clear()
        cpu, own = server_cpu(), time.process_time()
        commits, took = await _check_in(ports, ids, LOAD_SECONDS)
        busy[f"{SCREENS} screens"] = (server_cpu() - cpu) / took
        client_busy = (time.process_time() - own) / took
        await asyncio.sleep(2)
        delays, missing = _delays(commits, already, screens)
        finals = {s.messages[-1][1] if s.messages else None for s in screens}
        rows.append((f"{SCREENS} screens", len(commits), took, delays, missing, _rate(screens, took), finals))
        expected = already + len(commits)
        failed_screens = sum(1 for s in screens if s.error)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)

    lines = [
        "| screens | check-ins | sent in (s) | delay p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | missing | messages/s per screen (median, max) | final count on every screen | server CPU busy |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |",
    ]
    p99 = {}
    for label, n, took, d, missing, (med_rate, max_rate), finals in rows:
        finals = finals if isinstance(finals, set) else {finals}
        p99[label] = percentile(d, 99) * 1000
        lines.append(
            f"| {label} | {n} | {took:.1f} | {percentile(d, 50) * 1000:.0f} | {percentile(d, 90) * 1000:.0f} | "
            f"{p99[label]:.0f} | {max(d) * 1000:.0f} | {missing} | {med_rate:.1f}, {max_rate:.1f} | "
            f"{', '.join(str(f) for f in sorted(finals, key=lambda f: -1 if f is None else f))} | {100 * busy[label]:.0f}% |"
        )
    exact = rows[1][6] == {expected} and rows[1][4] == 0
    base_p99, load_p99 = p99["1 screen (baseline)"], p99[f"{SCREENS} screens"]
    lines.append("")
    if connect_errors:
        lines.append(f"Screens that could not connect: {dict(connect_errors)}.")
        lines.append("")
    lines.append(
        f"Check-ins recorded: {expected} (every screen's final count {'matches' if exact else 'DOES NOT match'}; "
        f"{len(connect_counts)} distinct counts seen at connect; {failed_screens} screens lost their socket). p99 with {SCREENS} screens: **{load_p99:.0f} ms** "
        f"(target < 250 ms: {'met' if load_p99 < 250 else 'NOT met'}), {load_p99 / base_p99:.1f}× the single-screen "
        f"baseline's {base_p99:.0f} ms. Broadcast interval {_interval_ms()} ms: each screen gets at most "
        f"{1000 / max(_interval_ms(), 1):.0f} messages/s per server process however many check-ins arrive. "
        f"The benchmark's own process (500 screens and the check-in driver) was {100 * client_busy:.0f}% busy. "
        f"Channel layer: {_layer_name()}; {SERVERS} server process{'es' if SERVERS > 1 else ''} "
        f"(server CPU busy: their CPU time over the phase's wall time, 100% = one core). Load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} cores (the server, the 500 clients and the check-in driver share them)."
    )
    return "\n".join(lines) + "\n"


def _server_cpu(base):
    from bench.common import SERVER_PIDS, cpu_seconds

    return cpu_seconds(SERVER_PIDS[base])


def _layer_name():
    return "Redis (REDIS_URL)" if os.environ.get("REDIS_URL") else "in-memory (no REDIS_URL)"


def _interval_ms():
    from django.conf import settings

    return round(settings.ATTENDANCE_BROADCAST_INTERVAL * 1000)


def run():
    from bench.common import daphne_server, setup_django

    setup_django()
    from django.conf import settings

    servers = SERVERS
    if servers > 1 and not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL", "").startswith("postgres")):
        raise SystemExit("BENCH_DASHBOARD_SERVERS above 1 needs REDIS_URL and a PostgreSQL DATABASE_URL (processes share both).")
    session_id, ids, cookie = _prepare()
    # The screens' session cookie was signed with this process's key; the servers must share it.
    with contextlib.ExitStack() as stack:
        bases = [stack.enter_context(daphne_server(extra_env={"SECRET_KEY": settings.SECRET_KEY})) for _ in range(servers)]
        return asyncio.run(_scenario(bases, session_id, ids, cookie))


if __name__ == "__main__":
    print(run())
