"""Check-in throughput and latency through the whole HTTP path (daphne → Django → service →
database), against the bare `/bench/ok` view on the same server in the same run.

Every check-in is a different person (a distinct personal QR), so each request writes a
CheckIn and a CheckInEvent and schedules a broadcast, as on the morning of the session.
Clients are threads with keep-alive connections (http.client).
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

    total = 3 * (CLIENTS * PER_CLIENT + WARMUP * CLIENTS)
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


def _row(name, latencies, seconds, errors, cpu):
    from bench.common import percentile

    return {
        "name": name, "rps": len(latencies) / seconds, "p50": statistics.median(latencies) * 1000,
        "p99": percentile(latencies, 99) * 1000, "n": len(latencies), "errors": errors,
        "cpu_ms": 1000 * cpu / len(latencies), "cpu_share": cpu / seconds,
    }


def run():
    from bench.common import SERVER_PIDS, daphne_server, setup_django

    setup_django()
    session, venue, urls, session_key, device_token = _prepare()
    per_phase = CLIENTS * (PER_CLIENT + WARMUP)
    scanner_urls, api_urls, full_path_urls = urls[:per_phase], urls[per_phase : 2 * per_phase], urls[2 * per_phase :]
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

    def scan(conn, index, i, pool=scanner_urls, with_pass=True):
        # What the scanner page sends: its CSRF token and, when it has one, its scanner pass.
        body = json.dumps({"code": pick(pool, index, i), "nonce": f"{'s' if with_pass else 'f'}{index}-{i}"})
        headers = {
            "Content-Type": "application/json", "Cookie": cookie, "X-CSRFToken": CSRF, "Host": "127.0.0.1",
            "Referer": "http://127.0.0.1/",
        }
        if with_pass:
            headers["X-Scanner-Pass"] = scanner_pass["value"]
        status, data = request(conn, "POST", scan_path, body, headers)
        return status == 200 and json.loads(data)["code"] == "ok"

    def scan_full_path(conn, index, i):
        return scan(conn, index, i, pool=full_path_urls, with_pass=False)

    def api(conn, index, i):
        body = json.dumps({"code": pick(api_urls, index, i), "nonce": f"a{index}-{i}"})
        status, data = request(conn, "POST", "/api/checkins", body, {
            "Content-Type": "application/json", "Authorization": f"Bearer {device_token}",
        })
        return status == 201 and json.loads(data)["code"] == "ok"

    with daphne_server() as base:
        port, pid = int(base.rsplit(":", 1)[1]), SERVER_PIDS[base]
        # The scanner page, as a desk opens it: its pass is what the page's script sends with each scan.
        page = urllib.request.urlopen(urllib.request.Request(
            base + f"/sessions/{session.pk}/venues/{venue.pk}/scanner/", headers={"Cookie": cookie}
        )).read().decode()
        scanner_pass["value"] = html.unescape(re.search(r'data-scanner-pass="([^"]+)"', page).group(1))
        rows = [
            _row("baseline: bare `HttpResponse(\"ok\")` (`GET /bench/ok`)", *_run_clients(port, bare, pid)),
            _row("desk scanner check-in (`POST …/scan/`, session + CSRF + scanner pass, as the page sends)", *_run_clients(port, scan, pid)),
            _row("device API check-in (`POST /api/checkins`, bearer token)", *_run_clients(port, api, pid)),
            _row("desk scanner without a pass (full path: session, user, venue permission)", *_run_clients(port, scan_full_path, pid)),
            _row("baseline again (drift check)", *_run_clients(port, bare, pid)),
        ]
    from attendance.models import CheckIn

    recorded = CheckIn.objects.filter(session=session).count()
    expected = 3 * per_phase
    baseline = (rows[0]["rps"] + rows[4]["rps"]) / 2
    lines = [
        f"{CLIENTS} concurrent keep-alive clients × {PER_CLIENT} requests each (after {WARMUP} warm-up requests per client), "
        "one daphne process, SQLite (WAL) unless `DATABASE_URL` is set. Every check-in is a new person.\n",
        "| path | requests/s | p50 (ms) | p99 (ms) | requests | errors | server CPU per request (ms) | server busy | vs baseline |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['name']} | {row['rps']:.0f} | {row['p50']:.1f} | {row['p99']:.1f} | {row['n']} | {row['errors']} | "
            f"{row['cpu_ms']:.2f} | {100 * row['cpu_share']:.0f}% | {100 * row['rps'] / baseline:.0f}% |"
        )
    lines.append("")
    lines.append(
        f"Check-ins recorded: {recorded} of {expected} sent (warm-up included). Target: check-in throughput at least 60% "
        f"of the bare view's (mean of the two baseline runs, {baseline:.0f} requests/s): desk scanner "
        f"**{100 * rows[1]['rps'] / baseline:.0f}%**, device API **{100 * rows[2]['rps'] / baseline:.0f}%**. "
        f"A scan without a pass (the page's first scan after {MAX_AGE_NOTE}, a manual pick, a hand-made client) takes the "
        f"full path: {100 * rows[3]['rps'] / baseline:.0f}%. Server CPU per request is the daphne process's user + system time "
        "over the measured requests; \"server busy\" above 100% means its database thread ran beside the event loop."
    )
    return "\n".join(lines) + "\n"
