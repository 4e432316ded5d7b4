"""Check-ins in batches: what a database thread does with the scans waiting for it.

At the door scans arrive together. A database thread (attendance/db_threads.py) takes every scan
waiting in the queue, up to BATCH_MAX, and checks them in together: one query for each kind of
thing to read (scanner devices, venues, registrations) and ONE transaction inserting every new
CheckIn and CheckInEvent, instead of four or five statements per person. Under load that divides
the database work per scan by the size of the batch; a lone scan is a batch of one, and costs what
`perform_checkin` costs.

The answers are `perform_checkin`'s, code for code: the same validation, messages and nonce rules
(the service tests run one list of cases through both). When the database refuses the batch's
insert (one of these people is already in, or a nonce was used before: a retry), the transaction
is rolled back and those scans go through `perform_checkin` one by one, which answers them from
what is stored.

Used by the device API (`POST /api/checkins`, whose bearer token is verified here, in the same
batch) and by the desk scanner holding a valid scanner pass (attendance/scanner_pass.py).
"""
import asyncio
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from attendance.batch_sql import insert_all, registrations_by_token_key
from attendance.broadcast import notify_attendance, serving_loop
from attendance.checkin_cache import devices_by_token_hash, venues_by_id
from attendance.db_threads import db_thread_count, run_for_request, served_over_asgi, submit_to_db_thread
from attendance.models import ScannerDevice
from attendance.services import (
    MESSAGES,
    NONCE_MAX,
    OK,
    UNKNOWN_TOKEN,
    WRONG_VENUE,
    CheckinError,
    CheckinResult,
    _message_for,
    _result_for_existing,
    check_registration_for_checkin,
    checkin_event,
    extract_personal_token,
    is_expected_venue,
    new_checkin,
    perform_checkin,
    refusal_result,
    touch_device,
)
from meetings.reference_cache import attach_reference_data
from meetings.tokens import read_personal_token

BATCH_MAX = 64
GATHER_SECONDS = 0  # a yield: time.sleep(0) lets the event loop thread queue the scans right behind


@dataclass
class CheckinJob:
    """One scan to check in. Exactly one of `device_token` (API) or `venue_id` (desk scanner) is set."""

    method: str
    scanned: str
    nonce: str = ""
    ip_address: str | None = None
    language: str = "th"
    device_token: str | None = None
    venue_id: int | None = None
    session_id: int | None = None
    user_id: int | None = None
    at: datetime = field(default_factory=timezone.now)


@dataclass
class JobOutcome:
    """`allowed` is False when the device token or venue did not check out (nothing was read for
    the person); otherwise `result` and its JSON-ready `data`, in the job's language."""

    allowed: bool
    result: CheckinResult | None = None
    data: dict | None = None


class _Context:
    """Where a job checks people in: the session, the venue, and who or what records it."""

    def __init__(self, session, venue, device=None, user=None):
        self.session, self.venue, self.device, self.user = session, venue, device, user


def _contexts(jobs):
    """Each job's _Context, or None when its device token or venue does not check out (read
    through attendance/checkin_cache.py: usually no query at all)."""
    hashes = {ScannerDevice.hash_token(j.device_token) for j in jobs if j.device_token}
    devices = devices_by_token_hash(hashes)
    for device in devices.values():
        touch_device(device)
    venue_ids = {j.venue_id for j in jobs if j.venue_id is not None}
    venues = venues_by_id(venue_ids)
    User = get_user_model()
    contexts = []
    for job in jobs:
        if job.device_token:
            device = devices.get(ScannerDevice.hash_token(job.device_token))
            contexts.append(_Context(device.session, device.venue, device=device) if device else None)
        else:
            venue = venues.get(job.venue_id)
            ok = venue is not None and venue.session_id == job.session_id
            contexts.append(_Context(venue.session, venue, user=User(pk=job.user_id) if job.user_id else None) if ok else None)
    return contexts


def _registrations(jobs):
    keys = {}
    for index, job in enumerate(jobs):
        token = extract_personal_token(job.scanned)
        keys[index] = read_personal_token(token) if token else None
    wanted = {key for key in keys.values() if key}
    # Provinces and roles come from the process's reference cache, not from joins; the venue is
    # read only for the rare wrong-venue message.
    found = attach_reference_data(registrations_by_token_key(wanted))
    by_key = {registration.token_key: registration for registration in found}
    return [by_key.get(keys[index]) if keys[index] else None for index in range(len(jobs))]


def perform_checkins(jobs):
    """Check a batch of scans in; return one JobOutcome per job, in order."""
    outcomes = [None] * len(jobs)
    contexts = _contexts(jobs)
    registrations = _registrations(jobs)
    candidates = []  # (index, registration, context, nonce)
    for index, (job, context, registration) in enumerate(zip(jobs, contexts, registrations)):
        if context is None:
            outcomes[index] = JobOutcome(allowed=False)
            continue
        with translation.override(job.language):
            try:
                if registration is None:
                    raise CheckinError(MESSAGES[UNKNOWN_TOKEN], UNKNOWN_TOKEN)
                check_registration_for_checkin(registration, context.session, job.at)
            except CheckinError as error:
                outcomes[index] = _outcome(refusal_result(error))
                continue
        candidates.append((index, registration, context, (job.nonce or "")[:NONCE_MAX]))

    if candidates:
        try:
            _record(jobs, candidates, outcomes)
        except IntegrityError:
            # Somebody else inserted one of these people (or a nonce) since we looked: one by one.
            for index, registration, context, nonce in candidates:
                job = jobs[index]
                with translation.override(job.language):
                    result = perform_checkin(
                        session=context.session, method=job.method, registration_id=registration.pk, venue=context.venue,
                        user=context.user, device=context.device, nonce=nonce, ip_address=job.ip_address, at=job.at,
                    )
                    outcomes[index] = _outcome(result)
    return outcomes


def _outcome(result):
    return JobOutcome(allowed=True, result=result, data=result.as_dict())


def _record(jobs, candidates, outcomes):
    """Insert first, as `perform_checkin` does: the usual scan is a new arrival. Scans of one person
    within the batch are answered from the first; the database's unique constraints catch the rest
    (IntegrityError: the caller goes one by one)."""
    used = set()
    new, claimed = [], {}  # claimed: registration id -> the CheckIn of the batch's first scan of that person
    for index, registration, context, nonce in candidates:
        job = jobs[index]
        if registration.pk in claimed:
            continue  # answered after the insert, from the first scan's check-in
        if nonce and (context.session.pk, nonce) in used:
            nonce = ""  # single-use per session and this batch gave it to somebody else: record without it
        if nonce:
            used.add((context.session.pk, nonce))
        checkin = new_checkin(
            registration, context.session, job.method, context.venue, context.user, context.device, nonce, job.at,
            wrong_venue=not is_expected_venue(registration, context.venue),
        )
        claimed[registration.pk] = checkin
        new.append((index, registration, checkin))

    if new:
        with transaction.atomic():
            insert_all([checkin for _, _, checkin in new])
            insert_all([checkin_event(checkin, ip_address=jobs[index].ip_address) for index, _, checkin in new])
            for session_id in {checkin.session_id for _, _, checkin in new}:
                transaction.on_commit(lambda session_id=session_id: notify_attendance(session_id))

    for index, registration, checkin in new:
        checkin.registration = registration
        code = WRONG_VENUE if checkin.wrong_venue else OK
        with translation.override(jobs[index].language):
            outcomes[index] = _outcome(CheckinResult(code, _message_for(code, checkin), registration, checkin, created=True))
    # Later scans of a person first scanned in this batch: a retry (same nonce) or a second scan.
    for index, registration, context, nonce in candidates:
        if outcomes[index] is None:
            checkin = claimed[registration.pk]
            with translation.override(jobs[index].language):
                outcomes[index] = _outcome(_result_for_existing(checkin, registration, nonce))


class _Queue:
    """Scans waiting for a database thread. Up to one drainer per database thread takes them in
    batches; a drainer stops when the queue is empty.

    Group commit: when scans keep arriving (more than one since the last batch was taken), a
    drainer gives up the GIL once (`time.sleep(GATHER_SECONDS)`, 0: a yield) before taking the
    next batch, so the event loop can queue the scans right behind and they share its queries and
    its transaction. A lone scan never waits. (Measured on the check-in benchmark: waiting 5 ms
    gave larger batches but left the server idle; the yield did best.)
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.pending = deque()
        self.drainers = 0
        self.submitted = 0
        self.taken_at = 0  # `submitted` when the last batch was taken

    def submit(self, job):
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self.lock:
            self.pending.append((job, future, loop))
            self.submitted += 1
            start = self.drainers < db_thread_count()
            if start:
                self.drainers += 1
        if start:
            submit_to_db_thread(self._drain, loop)
        return future

    def _take(self):
        with self.lock:
            if not self.pending:
                self.drainers -= 1
                return None
            if self.submitted - self.taken_at > 1 and len(self.pending) < BATCH_MAX:
                crowded = True
            else:
                crowded = False
        if crowded:
            time.sleep(GATHER_SECONDS)
        with self.lock:
            self.taken_at = self.submitted
            return [self.pending.popleft() for _ in range(min(BATCH_MAX, len(self.pending)))]

    def _drain(self, loop):
        with serving_loop(loop):  # dashboards are notified on this loop after commit
            while True:
                batch = self._take()
                if batch is None:
                    return
                try:
                    outcomes = perform_checkins([job for job, _, _ in batch])
                except Exception as exc:  # the database is down: every scan of the batch hears so
                    outcomes = [exc] * len(batch)
                for (_, future, future_loop), outcome in zip(batch, outcomes):
                    future_loop.call_soon_threadsafe(_settle, future, outcome)


def _settle(future, outcome):
    if future.done():  # the client went away
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


_queue = _Queue()


async def submit_checkin(request, job):
    """Check one scan in through the batch queue; return its JobOutcome.

    Under WSGI (Django's test client and live server) the request's own thread runs it as a
    batch of one, in the request's transaction (see attendance/db_threads.py)."""
    if not served_over_asgi(request):
        return (await run_for_request(request, perform_checkins, [job]))[0]
    return await _queue.submit(job)
