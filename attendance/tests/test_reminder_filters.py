"""Attendance's filter of reminder audiences (attendance/reminders.py): a reminder for those checked in, or for
those not checked in, reaches exactly them."""

import datetime

import pytest
from django.utils import timezone

from attendance.tests.checkins import record_checkin
from meetings import jobs
from meetings.models import Job, JobStatus
from meetings.tests.factories import make_session, make_venue
from registration import reminders
from registration.models import CheckinFilter, OffsetUnit, OutgoingMessage, ReminderAnchor
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def under_way(central_organiser):
    """A session that began ten minutes ago: its check-in is open."""
    session = make_session(starts_at=timezone.now() - datetime.timedelta(minutes=10), created_by=central_organiser)
    make_venue(session, "TH-52")
    return session


def rule_for(session, actor, checkin):
    values = {
        "name": "หลังจบ",
        "send_email": True,
        "anchor": ReminderAnchor.AFTER_END,
        "offset_minutes": 30,
        "offset_unit": OffsetUnit.MINUTES,
        "subject": "ขอบคุณ",
        "body": "เรียน {name}",
        "checkin": checkin,
    }
    return reminders.create_rule(session=session, actor=actor, values=values)


def names(rule):
    return set(reminders.audience(rule).values_list("first_name", flat=True))


def test_the_checkin_filter_is_registered_by_attendance():
    assert reminders._audience_filters["checkin"].__module__ == "attendance.reminders"


def test_a_reminder_reaches_those_checked_in_or_those_not(under_way, central_organiser):
    arrived = make_registration(under_way, "TH-52", first_name="มาแล้ว")
    make_registration(under_way, "TH-52", first_name="ยังไม่มา")
    record_checkin(arrived)
    elsewhere = make_registration(make_session(starts_at=under_way.starts_at), "TH-52", first_name="งานอื่น")
    record_checkin(elsewhere)

    assert names(rule_for(under_way, central_organiser, CheckinFilter.CHECKED_IN)) == {"มาแล้ว"}
    assert names(rule_for(under_way, central_organiser, CheckinFilter.NOT_CHECKED_IN)) == {"ยังไม่มา"}
    assert names(rule_for(under_way, central_organiser, CheckinFilter.ANY)) == {"มาแล้ว", "ยังไม่มา"}


def test_the_fire_job_queues_messages_for_the_filtered_audience_only(under_way, central_organiser):
    arrived = make_registration(under_way, "TH-52", first_name="มาแล้ว", email="arrived@example.org")
    make_registration(under_way, "TH-52", first_name="ยังไม่มา", email="absent@example.org")
    record_checkin(arrived)
    rule = rule_for(under_way, central_organiser, CheckinFilter.NOT_CHECKED_IN)
    assert reminders.fire_due_reminders(rule.due_at() + datetime.timedelta(minutes=1)) == 1
    assert jobs.execute_job(Job.objects.get(kind=reminders.FIRE_KIND).pk) == JobStatus.SUCCEEDED
    assert list(OutgoingMessage.objects.filter(kind=rule.message_kind).values_list("to", flat=True)) == ["absent@example.org"]
