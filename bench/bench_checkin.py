"""Check-in throughput and latency through the whole HTTP path (daphne → Django → service →
database), against the bare `/bench/ok` view on the same server in the same run.

Every check-in is a different person (a distinct personal QR), so each request writes a
CheckIn and a CheckInEvent and schedules a broadcast, as on the morning of the session.
Clients are threads with keep-alive connections (http.client).

The machine's speed drifts within a run (a shared virtual machine: the bare view alone moved by
10-15% between two phases a minute apart), so the paths are measured in ROUNDS, each round the
bare view then every check-in path, and each path's ratio is the median of its rounds' ratios
against the bare view of the same round.
"""
import html
import http.client
import json
import re
import urllib.request
import os
import statistics
import threading
import time

MAX_AGE_NOTE = "its pass expired"
TITLE = "Check-in throughput and latency (desk scanner and device API)"
CLIENTS = int(os.environ.get("BENCH_CHECKIN_CLIENTS", "8"))
PER_CLIENT = int(os.environ.get("BENCH_CHECKIN_REQUESTS", "150"))
ROUNDS = int(os.environ.get("BENCH_CHECKIN_ROUNDS", "3"))
WARMUP = 20
CSRF = "benchcsrftokenbenchcsrftoken0123"  # 32 characters: Django accepts an unmasked secret


def _prepare():
    import datetime

    from django.utils import timezone

    from attendance.services import issue_scanner_device
    from bench.common import analyze_database
    from attendance.tests.sockets import session_cookie_value
    from meetings.models import Province, Registration, RoleCategory
    from meetings.tests.factories import make_session, make_user, make_venue

    total = (2 * ROUNDS + 1) * (CLIENTS * PER_CLIENT + WARMUP * CLIENTS)
    session = make_session(starts_at=timezone.now() + datetime.timedelta(minutes=30), slug=f"bench-{time.time_ns()}")
    venue = make_venue(session, "TH-52")
    province = Province.objects.get(code="TH-52")
    role = RoleCategory.objects.get(code="committee")
    Registration.objects.bulk_create(
        [Registration(session=session, province=province, role=role, venue=venue, prefix="นาย", first_name=f"ผู้เข้าร่วม{i}",
                      last_name="ทดสอบ", phone=f"09{i:08d}", token_key=f"bench{i:08d}") for i in range(total)],
        batch_size=1000,
    )
    urls = [reg.get_personal_url() for reg in Registration.objects.filter(session=session).order_by("pk")]
    user = make_user(f"bench-{time.time_ns()}", kind="provincial", province_code="TH-52")
    _device, token = issue_scanner_device(venue=venue, name="bench", user=user)
    analyze_database()
    return session, venue, urls, session_cookie_value(user), token


def _run_clients(port, make_request, pid=None):
    """Run CLIENTS threads, each sending PER_CLIENT requests (after WARMUP); return
    (latencies, seconds, errors, server CPU seconds during the measured requests)."""
    from bench.common import cpu_seconds

    latencies, errors = [], []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS + 1)

    def client(index):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        try:
            for i in range(WARMUP):
                make_request(conn, index, -1 - i)
            barrier.wait()
            for i in range(PER_CLIENT):
                start = time.perf_counter()
                ok = make_request(conn, index, i)
                mine.append(time.perf_counter() - start)
                if not ok:
                    with lock:
                        errors.append(1)
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start, cpu_start = time.perf_counter(), cpu_seconds(pid) if pid else 0.0
    for thread in threads:
        thread.join()
    seconds, cpu = time.perf_counter() - start, (cpu_seconds(pid) - cpu_start) if pid else float("nan")
    return latencies, seconds, len(errors), cpu


def run():
    from bench.common import SERVER_PIDS, daphne_server, setup_django

    setup_django()
    session, venue, urls, session_key, device_token = _prepare()
    per_phase = CLIENTS * (PER_CLIENT + WARMUP)
    pools = [urls[k * per_phase : (k + 1) * per_phase] for k in range(2 * ROUNDS + 1)]
    scan_path = f"/sessions/{session.pk}/venues/{venue.pk}/scan/"
    cookie = f"sessionid={session_key}; csrftoken={CSRF}"

    def request(conn, method, path, body=None, headers=None):
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, data

    def bare(conn, index, i):
        status, data = request(conn, "GET", "/bench/ok")
        return status == 200 and data == b"ok"

    def pick(pool, index, i):
        # Warm-up requests use their own people, so the measured ones all record a new check-in.
        offset = index * (PER_CLIENT + WARMUP)
        return pool[offset + (PER_CLIENT + (-1 - i) if i < 0 else i)]

    scanner_pass = {}

    def scan_with(pool, tag, with_pass=True):
        def scan(conn, index, i):
            # What the scanner page sends: its CSRF token and, when it has one, its scanner pass.
            body = json.dumps({"code": pick(pool, index, i), "nonce": f"{tag}-{index}-{i}"})
            headers = {
                "Content-Type": "application/json", "Cookie": cookie, "X-CSRFToken": CSRF, "Host": "127.0.0.1",
                "Referer": "http://127.0.0.1/",
            }
            if with_pass:
                headers["X-Scanner-Pass"] = scanner_pass["value"]
            status, data = request(conn, "POST", scan_path, body, headers)
            return status == 200 and json.loads(data)["code"] == "ok"
        return scan

    def api_with(pool, tag):
        def api(conn, index, i):
            body = json.dumps({"code": pick(pool, index, i), "nonce": f"{tag}-{index}-{i}"})
            status, data = request(conn, "POST", "/api/checkins", body, {
                "Content-Type": "application/json", "Authorization": f"Bearer {device_token}",
            })
            return status == 201 and json.loads(data)["code"] == "ok"
        return api

    names = {
        "bare": "baseline: bare `HttpResponse(\"ok\")` (`GET /bench/ok`)",
        "scan": "desk scanner check-in (`POST …/scan/`, session + CSRF + scanner pass, as the page sends)",
        "api": "device API check-in (`POST /api/checkins`, bearer token)",
        "full": "desk scanner without a pass (full path: session, user, venue permission)",
    }
    measured = {key: [] for key in names}  # key -> [(round, raw result of _run_clients)]
    with daphne_server() as base:
        port, pid = int(base.rsplit(":", 1)[1]), SERVER_PIDS[base]
        # The scanner page, as a desk opens it: its pass is what the page's script sends with each scan.
        page = urllib.request.urlopen(urllib.request.Request(
            base + f"/sessions/{session.pk}/venues/{venue.pk}/scanner/", headers={"Cookie": cookie}
        )).read().decode()
        scanner_pass["value"] = html.unescape(re.search(r'data-scanner-pass="([^"]+)"', page).group(1))
        for number in range(ROUNDS):
            phases = [
                ("bare", bare),
                ("scan", scan_with(pools[2 * number], f"s{number}")),
                ("api", api_with(pools[2 * number + 1], f"a{number}")),
            ]
            if number == 0:  # the slow path once: it is not what the target is about
                phases.append(("full", scan_with(pools[-1], "f", with_pass=False)))
            for key, make_request in phases:
                measured[key].append((number, _run_clients(port, make_request, pid)))

    from attendance.models import CheckIn

    recorded = CheckIn.objects.filter(session=session).count()
    expected = (2 * ROUNDS + 1) * per_phase
    bare_rps = {number: len(result[0]) / result[1] for number, result in measured["bare"]}

    def summary(key):
        latencies = [x for _, result in measured[key] for x in result[0]]
        rps = [len(result[0]) / result[1] for _, result in measured[key]]
        ratios = [len(result[0]) / result[1] / bare_rps[number] for number, result in measured[key]]
        return {
            "rps": statistics.median(rps), "p50": statistics.median(latencies) * 1000,
            "p99": percentile(latencies, 99) * 1000, "n": len(latencies),
            "errors": sum(result[2] for _, result in measured[key]),
            "cpu_ms": statistics.median(1000 * result[3] / len(result[0]) for _, result in measured[key]),
            "busy": statistics.median(result[3] / result[1] for _, result in measured[key]),
            "ratio": statistics.median(ratios), "ratios": ratios,
        }

    from bench.common import percentile

    rows = {key: summary(key) for key in names}
    lines = [
        f"{CLIENTS} concurrent keep-alive clients, one daphne process, SQLite (WAL) unless `DATABASE_URL` is set. "
        f"{ROUNDS} rounds, each the bare view then the desk scanner then the device API, {PER_CLIENT} requests per client per "
        f"path (after {WARMUP} warm-up requests per client); the scan without a pass once. Every check-in is a new person. "
        "Requests/s and server CPU are the medians of the rounds; latencies pool every round's requests; each ratio is "
        "the median over the rounds of the path's requests/s against the bare view's in the same round.\n",
        "| path | requests/s | p50 (ms) | p99 (ms) | requests | errors | server CPU per request (ms) | server busy | vs baseline (median) | per round |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for key, name in names.items():
        row = rows[key]
        lines.append(
            f"| {name} | {row['rps']:.0f} | {row['p50']:.1f} | {row['p99']:.1f} | {row['n']} | {row['errors']} | "
            f"{row['cpu_ms']:.2f} | {100 * row['busy']:.0f}% | {100 * row['ratio']:.0f}% | "
            f"{', '.join(f'{100 * r:.0f}%' for r in row['ratios'])} |"
        )
    lines.append("")
    lines.append(
        f"Check-ins recorded: {recorded} of {expected} sent (warm-up included). Bare view per round: "
        f"{', '.join(f'{bare_rps[n]:.0f}' for n in sorted(bare_rps))} requests/s. Target: check-in throughput at least 60% of "
        f"the bare view's: desk scanner **{100 * rows['scan']['ratio']:.0f}%**, device API **{100 * rows['api']['ratio']:.0f}%** "
        f"(medians of {ROUNDS} rounds). A scan without a pass (the page's first scan after {MAX_AGE_NOTE}, a manual pick, "
        f"a hand-made client) takes the full path: {100 * rows['full']['ratio']:.0f}%. Server CPU per request is the daphne "
        "process's user + system time over the measured requests; \"server busy\" above 100% means its database thread "
        "ran beside the event loop."
    )
    return "\n".join(lines) + "\n"
