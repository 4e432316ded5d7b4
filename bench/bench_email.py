"""E-mail: a reminder rule of a session of 2,660 people falls due: the tick fires it, its job renders and queues
one Thai e-mail per person (each with the session's .ics and an opt-out link) in the outbox, and the delivery job
sends them over SMTP to a local server (aiosmtpd in its own process), end to end, beside a plain smtplib loop
sending the same number of ready-made messages over one connection."""

TITLE = "E-mail: 2,660 reminders (Thai, with .ics) through the outbox and the delivery job"

COUNT = 2660
RESULTS = {}


def _start_sink():
    import os
    import socket
    import subprocess
    import sys
    import tempfile
    import time
    from pathlib import Path

    from bench.common import ROOT, free_port

    port = free_port()
    out = Path(tempfile.mkdtemp(prefix="prachum-bench-smtp-")) / "received.txt"
    process = subprocess.Popen([sys.executable, "-m", "bench.smtp_sink", str(port), str(out)], cwd=ROOT, env=dict(os.environ))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.05)
    else:
        process.kill()
        raise RuntimeError("the SMTP server did not start")
    return process, port, out


def _received(out):
    lines = [line.split() for line in out.read_text(encoding="ascii").splitlines() if line.strip()]
    return [(parts[0], parts[1] == "1") for parts in lines]


def run():
    import os
    import smtplib
    import time

    process, port, out = _start_sink()
    try:
        os.environ.update(
            {
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(port),
                "EMAIL_TIMEOUT": "10",
                "DEFAULT_FROM_EMAIL": "Prachum <noreply@prachum.example.go.th>",
            }
        )
        from bench.common import setup_django

        setup_django()
        return _measure(port, out, smtplib, time)
    finally:
        process.terminate()
        process.wait(10)


def _people():
    """2,660 made-up people over the 77 provinces, each province with its venue and join link."""
    from meetings.models import Province, RoleCategory, Venue
    from meetings.tests.factories import make_session
    from registration.models import Registration

    session = make_session(slug="bench-email", title="การประชุมชี้แจงแนวทางการดำเนินงานกองทุนแก้ไขปัญหาความยากจน (กข.คจ.) ปี 2564")
    provinces = list(Province.objects.order_by("code"))
    venues = Venue.objects.bulk_create(
        [
            Venue(
                session=session,
                province=p,
                name=f"สำนักงานพัฒนาชุมชนจังหวัด{p.name_th}",
                room="ห้องประชุม",
                vc_join_url=f"https://vc.example.go.th/{p.code}",
            )
            for p in provinces
        ]
    )
    role = RoleCategory.objects.get(code="committee")
    Registration.objects.bulk_create(
        [
            Registration(
                session=session,
                province=provinces[i % len(provinces)],
                venue=venues[i % len(venues)],
                role=role,
                prefix="นาง",
                first_name=f"สมศรี{i}",
                last_name="ใจดี",
                phone=f"089{1000000 + i:07d}",
                email=f"person{i}@example.org",
            )
            for i in range(COUNT)
        ],
        batch_size=500,
    )
    return session, list(Registration.objects.filter(session=session).select_related("session", "venue").order_by("pk"))


def _measure(port, out, smtplib, time):
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from meetings.jobs import execute_job
    from meetings.models import Job, JobStatus
    from meetings.tests.factories import make_user
    from registration import messaging
    from registration.email import EmailSender, build_email, message_id
    from registration.models import MessageStatus, OffsetUnit, OutgoingMessage, ReminderAnchor, ReminderRule
    from registration.reminders import FIRE_KIND, PRESETS, fire_due_reminders

    session, people = _people()
    actor = make_user("bench-email", kind="central")

    # A real reminder rule ("3 days before", the Thai preset's text), due a minute ago: the tick fires it, the
    # rule's job renders and queues one e-mail per person, and the delivery job sends them.
    preset = next(p for p in PRESETS if p.key == "3_days_before").initial("th")
    rule = ReminderRule.objects.create(
        session=session,
        name=preset["name"],
        subject=preset["subject"],
        body=preset["body"],
        anchor=ReminderAnchor.BEFORE_START,
        offset_minutes=3 * 24 * 60,
        offset_unit=OffsetUnit.DAYS,
        created_by=actor,
    )
    now = session.starts_at - datetime.timedelta(days=3) + datetime.timedelta(minutes=1)

    started = time.perf_counter()
    assert fire_due_reminders(now) == 1
    fire_job = Job.objects.get(kind=FIRE_KIND, params__rule=rule.pk)
    assert execute_job(fire_job.pk) == JobStatus.SUCCEEDED
    queued = time.perf_counter()
    job = Job.objects.get(kind=messaging.DELIVER_KIND, session=session)
    with CaptureQueriesContext(connection) as queries:
        status = execute_job(job.pk)
    finished = time.perf_counter()
    queue_seconds, deliver_seconds = queued - started, finished - queued

    assert status == JobStatus.SUCCEEDED, status
    assert OutgoingMessage.objects.filter(status=MessageStatus.SENT).count() == COUNT
    received = _received(out)
    expected = {message_id(m) for m in OutgoingMessage.objects.all()}
    assert len(received) == COUNT and {mid for mid, _ in received} == expected, "every message received once"
    assert all(has_calendar for _, has_calendar in received)

    # Baseline: the same number of ready-made messages (one of the above, as bytes) over one smtplib connection.
    sample = OutgoingMessage.objects.select_related("registration", "session").first()
    sender = EmailSender()
    payload = build_email(sample, sender.calendar(sample)).message().as_bytes(linesep="\r\n")
    sender.close()
    size = len(payload)

    def smtplib_loop():
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            for i in range(COUNT):
                smtp.sendmail("noreply@prachum.example.go.th", [f"person{i}@example.org"], payload)

    baselines = []
    for _ in range(3):
        start = time.perf_counter()
        smtplib_loop()
        baselines.append(time.perf_counter() - start)
    baseline = sorted(baselines)[1]
    total = queue_seconds + deliver_seconds

    RESULTS.update(
        {
            "messages": COUNT,
            "message_bytes": size,
            "queue_s": queue_seconds,
            "deliver_s": deliver_seconds,
            "end_to_end_s": total,
            "per_message_ms": 1000 * total / COUNT,
            "queries_per_message_in_job": len(queries) / COUNT,
            "baseline_smtplib_s": baseline,
            "baseline_runs_s": baselines,
            "ratio": total / baseline,
        }
    )
    return (
        "| what | seconds | messages/s |\n| --- | ---: | ---: |\n"
        f"| baseline: plain smtplib loop, {COUNT:,} ready-made messages ({size / 1024:.1f} KiB each) on one connection (median of 3) "
        f"| {baseline:.2f} | {COUNT / baseline:,.0f} |\n"
        f"| the rule falls due: its job renders the Thai text for each person (opt-out link) and queues {COUNT:,} e-mails "
        f"| {queue_seconds:.2f} | {COUNT / queue_seconds:,.0f} |\n"
        f"| delivery job: mark each sending, build the mail with the session's .ics (per venue), send, record | {deliver_seconds:.2f} | {COUNT / deliver_seconds:,.0f} |\n"
        f"| **end to end** | **{total:.2f}** | **{COUNT / total:,.0f}** |\n\n"
        f"Every message received once, each with its calendar; {len(queries) / COUNT:.1f} database queries per message in the job. "
        f"Ratio end to end / smtplib loop: **{total / baseline:.1f}×**; target: {COUNT:,} e-mails in 60 s or less.\n"
    )
