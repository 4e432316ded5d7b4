"""Live dashboards under load on the production topology (PostgreSQL + Redis), timed from the client.

500 dashboard sockets of central staff, spread by the kernel over the server's worker processes,
while check-ins arrive through the device API (`POST /api/checkins`, one scanner per province) at
100 per second for 10 seconds, sent open loop by bench/loadgen.py in its own process. For each
check-in the delay runs from the moment its answer reaches the client to the first message on a
screen whose absolute total includes it: the i-th answer received means at least i check-ins are
committed, and is matched with a screen's first total of at least i. (A negative delay: the screen
had the new total before the scanner had its answer.) Beside it: the check-in answer latency, from
each request's scheduled send time (no coordinated omission), and the same load with one screen.

Then one check-in per second for 10 seconds: every screen should get exactly one update per
check-in, whichever process took the check-in (issue 17).
"""

import asyncio
import collections
import datetime
import json
import os
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench import servers
from bench.common import ROOT, analyze_database, children_cpu_seconds, interference, percentile, session_cookie, setup_services

TITLE = "Live dashboard: check-in to screen delay (500 screens, 100 check-ins/s, production topology)"
RESULTS = {}

SCREENS = 500
RATE = 100
BASELINE_SECONDS = 5
LOAD_SECONDS = 10
SLOW_CHECKINS = 10  # at one per second
WARMUP = 100
REGISTRATIONS = 2660
TARGET_DELAY_P99_MS, TARGET_ANSWER_P99_MS = 250, 100
COUNT_RE = re.compile(rb'"checked_in":(\d+)')  # the first one in a message is the totals'


def _prepare():
    from django.utils import timezone

    from attendance.services import issue_scanner_device
    from bench.fixtures import ticket_maker
    from meetings.models import Province, RoleCategory
    from meetings.tests.factories import make_session, make_user, make_venue
    from registration.models import Registration

    session = make_session(starts_at=timezone.now() + datetime.timedelta(minutes=30))
    provinces = list(Province.objects.order_by("code"))
    roles = list(RoleCategory.objects.filter(code__in=["committee", "provincial_officer"]))
    venues = {p.pk: make_venue(session, p.code) for p in provinces}
    officer = make_user("bench-desks", kind="central")
    tokens = {pk: issue_scanner_device(venue=venue, name="bench", actor=officer)[1] for pk, venue in venues.items()}
    Registration.objects.bulk_create(
        [
            Registration(
                session=session,
                province=provinces[i % 77],
                role=roles[i % 2],
                venue=venues[provinces[i % 77].pk],
                prefix="นาย",
                first_name=f"ผู้เข้าร่วม{i}",
                last_name="ทดสอบ",
                phone=f"09{i:08d}",
                token_key=f"bench-{i}",
            )
            for i in range(REGISTRATIONS)
        ],
        batch_size=1000,
    )
    make_code, _kind = ticket_maker()
    # Each person is checked in by their own province's scanner, in a random order.
    scans = [(tokens[r.province_id], make_code(r)) for r in Registration.objects.filter(session=session).order_by("?")]
    user = make_user("bench-warroom", kind="central")
    analyze_database()
    return session.pk, scans, f"sessionid={session_cookie(user)}"


class Screen:
    """One dashboard socket: records (receipt time, absolute checked-in total) of every message."""

    def __init__(self):
        self.messages = []
        self.ready = asyncio.Event()
        self.error = None

    async def run(self, url, headers, stop):
        try:
            await self._run(url, headers, stop)
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.ready.set()

    async def _run(self, url, headers, stop):
        import websockets

        # Offers permessage-deflate, as browsers do (BENCH_WS_COMPRESSION=none to measure without).
        compression = None if os.environ.get("BENCH_WS_COMPRESSION") == "none" else "deflate"
        async with websockets.connect(url, additional_headers=headers, max_size=2**24, open_timeout=60, compression=compression) as ws:
            while not stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(decode=False), timeout=0.5)
                except TimeoutError:
                    continue
                now = time.time()
                match = COUNT_RE.search(raw)
                if match:
                    self.messages.append((now, int(match.group(1))))
                    self.ready.set()


async def _loadgen(spec):
    """bench/loadgen.py in its own process, awaited without blocking the screens' event loop."""
    with tempfile.TemporaryDirectory(prefix="prachum-loadgen-") as tmp:
        spec_path, out_path = Path(tmp) / "spec.json", Path(tmp) / "out.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.loadgen", str(spec_path), str(out_path), cwd=ROOT)
        await asyncio.wait_for(proc.wait(), timeout=spec["time_limit"] + 30)
        if proc.returncode:
            raise RuntimeError(f"loadgen exited {proc.returncode}")
        return json.loads(out_path.read_text(encoding="utf-8"))


async def _check_in(port, scans, rate):
    spec = {
        "host": "127.0.0.1",
        "port": port,
        "mode": "open",
        "rate": rate,
        "connections": 16,
        "max_connections": 256,
        "time_limit": len(scans) / rate + 20,
        "expect_status": [201],
        "keep_answer_times": True,
        "headers": {"Content-Type": "application/json"},
        "requests": [
            {
                "method": "POST",
                "path": "/api/checkins",
                "headers": {"Authorization": f"Bearer {token}"},
                "body": json.dumps({"code": code, "nonce": uuid.uuid4().hex}),
            }
            for token, code in scans
        ],
    }
    return await _loadgen(spec)


def _delays(answer_times, already, screens):
    """Per screen and check-in: first receipt whose total includes the i-th answer, minus that answer's time."""
    delays, missing = [], 0
    answers = sorted(answer_times)
    for screen in screens:
        messages, j = screen.messages, 0
        for rank, answered_at in enumerate(answers, start=already + 1):
            while j < len(messages) and messages[j][1] < rank:
                j += 1
            if j == len(messages):
                missing += len(answers) - (rank - already - 1)
                break
            delays.append(messages[j][0] - answered_at)
    return delays, missing


async def _scenario(server, session_id, scans, cookie):
    url = f"ws://127.0.0.1:{server.port}/ws/sessions/{session_id}/attendance/"
    headers = {"Cookie": cookie, "Origin": server.base}
    stop, tasks = asyncio.Event(), []

    async def open_screens(n):
        new = [Screen() for _ in range(n)]
        for k in range(0, n, 50):  # in waves, like screens coming back after a restart
            wave = new[k : k + 50]
            tasks.extend(asyncio.create_task(s.run(url, headers, stop)) for s in wave)
            await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in wave)), timeout=120)
        return new

    def cpu():
        return (
            server.app_cpu(),
            servers.postgres_cpu_seconds(),
            servers.redis_cpu_seconds(),
            time.process_time(),
            servers.machine_cpu_seconds(),
            children_cpu_seconds(),
            time.monotonic(),
        )

    def busy(before):
        after = cpu()
        app, pg, redis, own, machine, children, wall = (b - a for a, b in zip(before, after, strict=True))
        return {
            "server_cpu": app / wall,
            "postgres_cpu": pg / wall,
            "redis_cpu": redis / wall,
            "screens_client_cpu": own / wall,
            "other_cpu": max(0.0, (machine - app - pg - redis - own - children) / wall),
            "test_run_alongside": interference().during(before[-1], after[-1]),
        }

    def phase(label, screens, result, already, took_cpu):
        delays, missing = _delays(result["answer_times"], already, screens)
        counts = [len(s.messages) for s in screens]
        return {
            "label": label,
            "screens": len(screens),
            "checkins": result["ok"],
            "errors": result["errors"],
            "sent_in_s": result["seconds"],
            "delay_ms": {str(p): 1000 * percentile(delays, p) for p in (0, 50, 90, 99, 100)},
            "missing": missing,
            "answer_ms": {k: result["latency_ms"][k] for k in ("50", "99", "100")},
            "messages_per_s_per_screen": {"median": sorted(counts)[len(counts) // 2] / result["seconds"], "max": max(counts) / result["seconds"]},
            "finals": sorted({s.messages[-1][1] if s.messages else -1 for s in screens}),
            "loadgen_cpu": result["client_cpu_seconds"] / result["seconds"],
            **took_cpu,
        }

    rows = []
    try:
        single = await open_screens(1)
        # Warm-up, not measured: every worker's first requests (imports, the pool's connections, the
        # session's ticket key) and the relay's first snapshot.
        warm, scans_left = scans[:WARMUP], scans[WARMUP:]
        warmed = await _check_in(server.port, warm, RATE // 2)
        await asyncio.sleep(1)
        single[0].messages.clear()
        first, rest = scans_left[: RATE * BASELINE_SECONDS], scans_left[RATE * BASELINE_SECONDS :]
        await asyncio.to_thread(interference().wait_quiet)
        before = cpu()
        result = await _check_in(server.port, first, RATE)
        took = busy(before)
        await asyncio.sleep(1.5)
        rows.append(phase("1 screen (baseline)", single, result, warmed["ok"], took))
        already = warmed["ok"] + result["ok"]

        screens = single + await open_screens(SCREENS - 1)
        connect_errors = collections.Counter(s.error for s in screens if s.error)
        await asyncio.sleep(1)
        for s in screens:
            s.messages.clear()
        load, slow = rest[: RATE * LOAD_SECONDS], rest[RATE * LOAD_SECONDS : RATE * LOAD_SECONDS + SLOW_CHECKINS]
        await asyncio.to_thread(interference().wait_quiet)
        before = cpu()
        result = await _check_in(server.port, load, RATE)
        took = busy(before)
        await asyncio.sleep(2)
        rows.append(phase(f"{SCREENS} screens", screens, result, already, took))
        already += result["ok"]

        # One check-in a second: count the updates each screen gets per check-in.
        await asyncio.sleep(1)
        for s in screens:
            s.messages.clear()
        result = await _check_in(server.port, slow, 1)
        await asyncio.sleep(1.5)
        per_checkin = collections.Counter(round(len(s.messages) / max(result["ok"], 1), 2) for s in screens)
        slow_row = {
            "checkins": result["ok"],
            "updates_per_screen_per_checkin": dict(sorted(per_checkin.items())),
            "finals": sorted({s.messages[-1][1] if s.messages else -1 for s in screens}),
        }
        expected = already + result["ok"]
        lost = sum(1 for s in screens if s.error)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    return rows, slow_row, expected, connect_errors, lost


def _interval_ms():
    from django.conf import settings

    return round(settings.ATTENDANCE_BROADCAST_INTERVAL * 1000)


def _topology():
    """The production topology, or another candidate by name (BENCH_DASHBOARD_SERVER=split-4) to compare."""
    name = os.environ.get("BENCH_DASHBOARD_SERVER")
    if not name:
        return servers.PRODUCTION
    found = [t for t in servers.CANDIDATES if t.name == name and t.websockets]
    if not found:
        raise SystemExit(f"BENCH_DASHBOARD_SERVER must name a candidate with WebSockets (got {name!r})")
    return found[0]


def run():
    interference()
    setup_services()
    session_id, scans, cookie = _prepare()
    topology = _topology()
    with servers.serve(topology) as server:
        rows, slow, expected, connect_errors, lost = asyncio.run(_scenario(server, session_id, scans, cookie))
    load = rows[1]
    RESULTS.update(
        {
            "topology": topology.name,
            "label": topology.label,
            "rate": RATE,
            "websocket_compression": os.environ.get("BENCH_WS_COMPRESSION") != "none",
            "broadcast_interval_ms": _interval_ms(),
            "phases": rows,
            "one_per_second": slow,
            "expected_total": expected,
            "screens_lost": lost,
            "connect_errors": dict(connect_errors),
        }
    )
    lines = [
        f"Server: {topology.label}; PostgreSQL + Redis channel layer; broadcast interval {_interval_ms()} ms. "
        "Delay: from the check-in's answer at the client to the screen's first total that includes it. "
        "Answer latency: from the scheduled send time to the answer, at the client. The screens offer "
        f"permessage-deflate as browsers do ({'negotiated' if os.environ.get('BENCH_WS_COMPRESSION') != 'none' else 'not offered in this run'}).",
        "",
        "| screens | check-ins | sent in (s) | delay p50 (ms) | delay p90 (ms) | **delay p99 (ms)** | delay min / max (ms) | missing | "
        "answer p50 (ms) | **answer p99 (ms)** | messages/s per screen (median, max) | final totals | server CPU | PostgreSQL CPU | client CPU (screens, check-ins) | other CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- | --- | ---: | ---: | --- | ---: |",
    ]
    for r in rows:
        d, a = r["delay_ms"], r["answer_ms"]
        lines.append(
            f"| {r['label']}{' †' if r['other_cpu'] > 0.15 else ''} | {r['checkins']} | {r['sent_in_s']:.2f} | {d['50']:.0f} | {d['90']:.0f} | **{d['99']:.0f}** | "
            f"{d['0']:.0f} / {d['100']:.0f} | {r['missing']} | {a['50']:.1f} | **{a['99']:.1f}** | "
            f"{r['messages_per_s_per_screen']['median']:.1f}, {r['messages_per_s_per_screen']['max']:.1f} | "
            f"{', '.join(str(f) for f in r['finals'])} | {r['server_cpu']:.2f} | {r['postgres_cpu']:.2f} | "
            f"{r['screens_client_cpu']:.2f}, {r['loadgen_cpu']:.2f} | {r['other_cpu']:.2f} |"
        )
    exact = load["finals"] == [expected - slow["checkins"]] and load["missing"] == 0 and slow["finals"] == [expected]
    per = slow["updates_per_screen_per_checkin"]
    lines += [
        "",
        f"Delay p99 with {SCREENS} screens: **{load['delay_ms']['99']:.0f} ms** (target < {TARGET_DELAY_P99_MS} ms: "
        f"{'met' if load['delay_ms']['99'] < TARGET_DELAY_P99_MS else 'NOT met'}); check-in answer p99 **{load['answer_ms']['99']:.1f} ms** "
        f"(target ≤ {TARGET_ANSWER_P99_MS} ms: {'met' if load['answer_ms']['99'] <= TARGET_ANSWER_P99_MS else 'NOT met'}); "
        f"1 screen: delay p99 {rows[0]['delay_ms']['99']:.0f} ms, answer p99 {rows[0]['answer_ms']['99']:.1f} ms.",
        "",
        f"Totals: every screen's final total {'matches' if exact else 'DOES NOT match'} the {expected} check-ins recorded; "
        f"{lost} screens lost their socket" + (f"; could not connect: {dict(connect_errors)}" if connect_errors else "") + ".",
        "",
        f"At one check-in per second ({slow['checkins']} check-ins, {SCREENS} screens), updates per screen per check-in: "
        + ", ".join(f"{value} on {count} screens" for value, count in per.items())
        + f" ({'exactly one each' if list(per) == [1.0] else 'NOT exactly one each'}).",
        "",
        f"Load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores "
        "(servers, PostgreSQL, Redis, the 500 screens and the check-in client share them).",
    ]
    if any(r["other_cpu"] > 0.15 for r in rows):
        lines += [
            "",
            "† Measured while other work kept more than 0.15 of a core busy (machine CPU less the server, PostgreSQL, "
            "Redis and the clients; usually a test run): worse than the machine gives.",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
