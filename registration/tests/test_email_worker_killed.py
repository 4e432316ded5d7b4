"""A worker killed in the middle of a batch of e-mails (SIGKILL: no chance to tidy up), from outside: real
`manage.py worker` processes on a shared SQLite file, a real SMTP server (aiosmtpd) that takes 0.2 s per
message. A second worker takes the job up and finishes it; no message reaches the server twice, every message
was received once, or is marked uncertain (it was leaving when the worker died), never sent again."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from django.conf import settings

from registration.tests.smtp import Inbox, SmtpServer

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 30

SEED = f"""
from meetings.tests.factories import make_session, make_user, make_venue
from registration import messaging
from registration.models import MessageChannel
from registration.tests.factories import make_registration

session = make_session(title="การประชุมทดสอบ ส่งอีเมลแจ้งเตือน")
venue = make_venue(session, "TH-52")
messages = []
for i in range({PEOPLE}):
    person = make_registration(session, "TH-52", venue=venue, email=f"person{{i}}@example.org")
    messages.append(messaging.queue_message(
        session=session, registration=person, channel=MessageChannel.EMAIL, kind="reminder:test",
        dedupe_key=f"reminder:test:{{person.pk}}", to=person.email, subject="แจ้งเตือน: ประชุมพรุ่งนี้",
        body="เรียน ผู้เข้าร่วมประชุม", attach_calendar=True,
    ))
messaging.deliver(messages=messages, actor=make_user(kind="central"), title="แจ้งเตือน", session=session)
"""

# What a tick finds once JOB_LEASE_SECONDS have passed since the dead worker's last report.
LEASE_LAPSED = """
import datetime
from django.utils import timezone
from meetings.models import Job
Job.objects.filter(status="running").update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
"""

OUTCOME = """
import json
from registration.email import message_id
from registration.models import OutgoingMessage
from meetings.models import Job
print("OUTCOME:" + json.dumps({
    "messages": [[message_id(m), m.status] for m in OutgoingMessage.objects.all()],
    "jobs": list(Job.objects.filter(kind="registration.deliver_messages").values_list("status", flat=True)),
}))
"""


def environment(database, smtp_port):
    env = {key: value for key, value in os.environ.items() if not key.startswith("EMAIL_")}
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "localhost",
            "DATABASE_URL": f"sqlite:///{database}",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "DEFAULT_FROM_EMAIL": "Prachum <noreply@prachum.example.go.th>",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def manage(env, *args):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def worker(env, *args):
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--interval", "0.2", "--verbosity", "0", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_worker_killed_mid_job_resumes_and_sends_nothing_twice(tmp_path):
    inbox = Inbox(delay=0.2)
    with SmtpServer(inbox) as server:
        env = environment(tmp_path / "shared.sqlite3", server.port)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "shell", "-c", SEED)

        first = worker(env)
        try:
            deadline = time.monotonic() + 120
            while inbox.count() < 8 and time.monotonic() < deadline and first.poll() is None:
                time.sleep(0.02)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        before_kill = inbox.count()
        assert 8 <= before_kill < PEOPLE, "the worker was not killed in the middle of the batch"

        manage(env, "shell", "-c", LEASE_LAPSED)
        second = worker(env, "--batch")
        assert second.wait(180) == 0
        out = manage(env, "shell", "-c", OUTCOME)
        outcome = json.loads(out.split("OUTCOME:", 1)[1])

    received = Counter(str(message["Message-ID"]) for message in inbox.messages())
    statuses = dict(outcome["messages"])
    assert len(statuses) == PEOPLE
    assert max(received.values()) == 1, "a message reached the server twice"
    assert set(received) <= set(statuses)
    assert inbox.count() > before_kill  # the second worker went on where the first stopped
    for mid, status in statuses.items():
        if status == "sent":
            assert received[mid] == 1
        else:
            # Leaving when the worker died: it may or may not have arrived, and is not sent again.
            assert status == "uncertain", (mid, status)
    assert list(statuses.values()).count("uncertain") <= 1
    assert outcome["jobs"] == ["succeeded"]
