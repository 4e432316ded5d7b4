"""Training's filter of reminder audiences (training/reminders.py): the state of the session's post-test, as the
certificate rule reads it (a submitted attempt that passed)."""

import pytest

from registration import reminders
from registration.models import OffsetUnit, PosttestFilter, ReminderAnchor
from registration.tests.factories import make_registration
from training.services.quizzes import start_attempt, submit_attempt
from training.tests.conftest import correct_answers, wrong_answers

pytestmark = pytest.mark.django_db


def rule_for(session, actor, posttest):
    values = {
        "name": "แบบทดสอบหลังเรียน",
        "send_email": True,
        "anchor": ReminderAnchor.AFTER_END,
        "offset_minutes": 30,
        "offset_unit": OffsetUnit.MINUTES,
        "subject": "เชิญทำแบบทดสอบ",
        "body": "เรียน {name} {personal_link}",
        "posttest": posttest,
    }
    return reminders.create_rule(session=session, actor=actor, values=values)


def names(rule):
    return set(reminders.audience(rule).values_list("first_name", flat=True))


def take(quiz, registration, answers):
    attempt = start_attempt(quiz=quiz, registration=registration)
    submit_attempt(registration=registration, attempt_id=attempt.pk, answers=answers(attempt))


def test_the_posttest_filter_is_registered_by_training():
    assert reminders._audience_filters["posttest"].__module__ == "training.reminders"


def test_a_reminder_reaches_people_by_the_state_of_their_post_test(session, central_organiser, posttest, pretest):
    passed = make_registration(session, "TH-52", first_name="ผ่าน")
    failed = make_registration(session, "TH-52", first_name="ไม่ผ่าน")
    started = make_registration(session, "TH-52", first_name="เริ่มแต่ยังไม่ส่ง")
    pre_only = make_registration(session, "TH-52", first_name="ทำแค่ก่อนเรียน")
    make_registration(session, "TH-52", first_name="ยังไม่ทำ")
    take(posttest, passed, correct_answers)
    take(posttest, failed, wrong_answers)
    start_attempt(quiz=posttest, registration=started)  # not submitted: not taken
    take(pretest, pre_only, correct_answers)  # the pre-test is not the post-test

    not_taken = {"เริ่มแต่ยังไม่ส่ง", "ทำแค่ก่อนเรียน", "ยังไม่ทำ"}
    assert names(rule_for(session, central_organiser, PosttestFilter.PASSED)) == {"ผ่าน"}
    assert names(rule_for(session, central_organiser, PosttestFilter.NOT_TAKEN)) == not_taken
    assert names(rule_for(session, central_organiser, PosttestFilter.NOT_PASSED)) == {"ไม่ผ่าน", *not_taken}
    assert names(rule_for(session, central_organiser, PosttestFilter.ANY)) == {"ผ่าน", "ไม่ผ่าน", *not_taken}
