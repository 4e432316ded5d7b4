"""2,660 attendees submit the post-test through the HTTP path (personal link → start → submit) on the
production topology (bench.servers.PRODUCTION), against the bare /bench/ok view on the same server in the same run."""

TITLE = "Post-test submission (2,660 attendees over HTTP)"

CONCURRENCY = 8


def run():
    import http.client
    import random
    import re
    import statistics
    import threading
    import time
    from urllib.parse import urlencode, urlsplit

    from bench import servers
    from bench.common import percentile, setup_django

    setup_django()
    from django.core.management import call_command

    # The server runs as in production (DEBUG off): whitenoise serves a collected, hashed static tree.
    call_command("collectstatic", interactive=False, verbosity=0)
    from registration.tokens import make_personal_token
    from training.demo import seed_demo
    from training.models import Attempt, AttemptStatus, Quiz, QuizKind

    session, _ = seed_demo()
    quiz = Quiz.objects.get(session=session, kind=QuizKind.POSTTEST)
    # The seed records the day's post-tests; every attendee starts afresh here.
    Attempt.objects.filter(quiz=quiz).delete()
    key = {q.pk: [(c.pk, c.is_correct) for c in q.choices.all()] for q in quiz.questions.prefetch_related("choices")}
    tokens = [make_personal_token(r) for r in session.registrations.order_by("pk")]
    rng = random.Random(2564)

    def answers():
        # Most attendees know most answers; a realistic spread of scores for the results pages.
        fields = []
        for qid, choices in key.items():
            right = [c for c, ok in choices if ok]
            picked = right if rng.random() < 0.75 else [next(c for c, ok in choices if not ok)]
            fields += [(f"q{qid}", c) for c in picked]
        return fields

    payloads = [answers() for _ in tokens]

    def run_requests(base, jobs):
        """Run jobs (method, path, body, headers) on CONCURRENCY keep-alive connections; return (seconds, latencies, statuses)."""
        host = urlsplit(base)
        latencies, statuses, lock = [], [], threading.Lock()
        queue = list(enumerate(jobs))
        queue.reverse()

        def worker():
            conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
            while True:
                with lock:
                    if not queue:
                        break
                    index, (method, path, body, headers) = queue.pop()
                start = time.perf_counter()
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    statuses.append((index, response.status, response.getheader("Location"), data))
            conn.close()

        threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - began, latencies, sorted(statuses)

    # 2,660 attendees' phones, here all from one loopback address: the per-address limit on token pages
    # (meetings/ratelimit.py) is sized for one room behind one address, not for a nation in one minute.
    with servers.serve(servers.PRODUCTION, {"RATE_LIMIT_TOKEN_PER_MINUTE": "1000000"}) as server:
        base = server.base
        # A CSRF cookie from one page view; attendees' browsers would each hold their own.
        host = urlsplit(base)
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        conn.request("GET", f"/p/{tokens[0]}/learn/quizzes/{quiz.pk}/")
        response = conn.getresponse()
        page = response.read()
        cookie = response.getheader("Set-Cookie") or ""
        if response.status != 200 or "csrftoken=" not in cookie:
            raise RuntimeError(f"quiz page answered {response.status}: {page[:500]!r}")
        csrf = re.search(r"csrftoken=([^;]+)", cookie).group(1)
        conn.close()
        headers = {"Cookie": f"csrftoken={csrf}", "X-CSRFToken": csrf, "Content-Type": "application/x-www-form-urlencoded"}

        bare_jobs = [("GET", "/bench/ok", None, {}) for _ in tokens]
        run_requests(base, bare_jobs[:200])  # warm-up
        bare_time, bare_lat, _ = run_requests(base, bare_jobs)

        start_jobs = [("POST", f"/p/{t}/learn/quizzes/{quiz.pk}/start/", "", headers) for t in tokens]
        start_time, start_lat, started = run_requests(base, start_jobs)
        attempt_paths = [location for _i, status, location, _d in started if status == 302 and "/attempts/" in (location or "")]
        assert len(attempt_paths) == len(tokens), f"only {len(attempt_paths)} attempts started"

        submit_jobs = [("POST", path + "submit/", urlencode(payload), headers) for path, payload in zip(attempt_paths, payloads, strict=True)]
        submit_time, submit_lat, submitted = run_requests(base, submit_jobs)
        ok = sum(1 for _i, status, location, _d in submitted if status == 302)

        # A double submit of 100 attempts must count once: same status, same stored score.
        scores_before = dict(Attempt.objects.filter(quiz=quiz).values_list("pk", "score"))
        again_time, _lat, again = run_requests(base, submit_jobs[:100])
        scores_after = dict(Attempt.objects.filter(quiz=quiz).values_list("pk", "score"))

    stored = Attempt.objects.filter(quiz=quiz, status=AttemptStatus.SUBMITTED).count()
    mean_score = statistics.fmean(float(s) for s in scores_after.values())
    n = len(tokens)
    bare_rps, submit_rps, start_rps = n / bare_time, n / submit_time, n / start_time

    def ms(values, p):
        return f"{percentile(values, p) * 1000:.1f}"

    return (
        f"{n:,} attendees, {len(key)} questions each, {CONCURRENCY} concurrent keep-alive clients, {servers.PRODUCTION.label}.\n\n"
        "| requests | count | wall time (s) | throughput (req/s) | median (ms) | p95 (ms) |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: |\n"
        f"| baseline: `GET /bench/ok` | {n:,} | {bare_time:.2f} | {bare_rps:.0f} | {ms(bare_lat, 50)} | {ms(bare_lat, 95)} |\n"
        f"| `POST …/quizzes/<id>/start/` (opens the attempt) | {n:,} | {start_time:.2f} | {start_rps:.0f} | {ms(start_lat, 50)} | {ms(start_lat, 95)} |\n"
        f"| `POST …/attempts/<id>/submit/` (saves {len(key)} answers, scores) | {n:,} | {submit_time:.2f} | {submit_rps:.0f} | {ms(submit_lat, 50)} | {ms(submit_lat, 95)} |\n\n"
        f"Submit throughput is **{submit_rps / bare_rps:.2f}×** the bare view's ({bare_rps / submit_rps:.1f}× slower); "
        f"all {n:,} post-tests in {submit_time:.1f} s. Checks: {ok:,} submits answered 302, {stored:,} attempts stored as "
        f"submitted (mean score {mean_score:.1f}%); re-submitting 100 of them changed "
        f"{sum(1 for k in scores_before if scores_before[k] != scores_after[k])} scores "
        f"({sum(1 for _i, s, _l, _d in again if s == 302)} polite redirects with the “already submitted” message).\n"
    )
