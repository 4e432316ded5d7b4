"""When a submitted attempt shows the answer key and explanations (Quiz.show_answers).

By default only once the participant cannot try again (every allowed attempt used, or the quiz closed):
a second attempt must not pass by copying the first one's key. Staff may choose "after each attempt"
or "never" instead.
"""

import pytest
from django.utils import timezone

from training import selectors
from training.models import ShowAnswers
from training.services.quizzes import start_attempt, submit_attempt
from training.tests.conftest import token_of, wrong_answers

pytestmark = pytest.mark.django_db

EXPLANATION = "คำอธิบายข้อหนึ่งXYZ"  # the explanation of the posttest fixture's first question


def fail(quiz, registration, now=None):
    attempt = start_attempt(quiz=quiz, registration=registration, now=now)
    submit_attempt(registration=registration, attempt_id=attempt.pk, answers=wrong_answers(attempt), now=now)
    attempt.refresh_from_db()
    return attempt


def fail_until(situation, quiz, registration):
    """Bring `registration` to a situation after failing: attempts left, last attempt used, quiz closed."""
    if situation == "attempts_left":
        return fail(quiz, registration)
    if situation == "last_attempt_used":
        fail(quiz, registration)
        return fail(quiz, registration)
    assert situation == "quiz_closed"
    now = timezone.now()
    quiz.closes_at = now - timezone.timedelta(minutes=1)
    quiz.save(update_fields=["closes_at"])
    return fail(quiz, registration, now=now - timezone.timedelta(hours=1))


def result(client, registration, attempt):
    """The result page and the attempt's JSON, as the attendee sees them."""
    base = f"/p/{token_of(registration)}/learn/attempts/{attempt.pk}"
    page = client.get(f"{base}/")
    state = client.get(f"{base}/state.json")
    assert page.status_code == state.status_code == 200
    return page.content.decode(), state.json()


def key_shown(html, state):
    """Whether the key reached the attendee; the page and the JSON must agree."""
    in_page = EXPLANATION in html and "เฉลยและคำอธิบาย" in html and "✓" in html
    in_json = all({"is_correct", "correct_choices", "explanation"} <= set(q) for q in state["questions"])
    leaked_in_json = any({"is_correct", "correct_choices", "explanation"} & set(q) for q in state["questions"])
    assert in_page == in_json == leaked_in_json == state["answers_shown"]
    return in_page


EXPECTED = {
    # setting: (attempts left, last attempt used, quiz closed)
    ShowAnswers.AFTER_LAST_ATTEMPT: (False, True, True),
    ShowAnswers.AFTER_EACH_ATTEMPT: (True, True, True),
    ShowAnswers.NEVER: (False, False, False),
}


@pytest.mark.parametrize("setting", list(EXPECTED))
@pytest.mark.parametrize("situation", ["attempts_left", "last_attempt_used", "quiz_closed"])
def test_answer_key_rule_for_each_setting_and_situation(posttest, attendee, setting, situation):
    posttest.show_answers = setting
    posttest.save(update_fields=["show_answers"])
    attempt = fail_until(situation, posttest, attendee)
    expected = EXPECTED[setting][["attempts_left", "last_attempt_used", "quiz_closed"].index(situation)]
    assert selectors.get_quiz_state_for_attempt(attendee, attempt).shows_answers is expected


def test_failed_attempt_with_attempts_left_shows_no_key(client, posttest, attendee):
    assert posttest.show_answers == ShowAnswers.AFTER_LAST_ATTEMPT  # the default
    attempt = fail(posttest, attendee)
    html, state = result(client, attendee, attempt)
    assert not key_shown(html, state)
    assert "หลังคุณทำครั้งสุดท้าย" in html  # says when the key will appear
    assert state["score"] == 0.0 and state["passed"] is False  # the score itself is not hidden


def test_last_attempt_used_shows_the_key_of_every_attempt(client, posttest, attendee):
    first = fail(posttest, attendee)
    assert not key_shown(*result(client, attendee, first))
    second = fail(posttest, attendee)
    assert key_shown(*result(client, attendee, second))
    assert key_shown(*result(client, attendee, first))


def test_closed_quiz_shows_the_key(client, posttest, attendee):
    attempt = fail_until("quiz_closed", posttest, attendee)
    assert key_shown(*result(client, attendee, attempt))


def test_earlier_key_stays_hidden_while_the_last_attempt_is_open(client, posttest, attendee):
    first = fail(posttest, attendee)
    start_attempt(quiz=posttest, registration=attendee)  # the second and last attempt, not submitted
    assert not key_shown(*result(client, attendee, first))


def test_after_each_attempt_shows_the_key_with_attempts_left(client, posttest, attendee):
    posttest.show_answers = ShowAnswers.AFTER_EACH_ATTEMPT
    posttest.save(update_fields=["show_answers"])
    attempt = fail(posttest, attendee)
    assert key_shown(*result(client, attendee, attempt))


def test_never_shows_no_key_even_after_the_last_attempt(client, posttest, attendee):
    posttest.show_answers = ShowAnswers.NEVER
    posttest.save(update_fields=["show_answers"])
    fail(posttest, attendee)
    attempt = fail(posttest, attendee)
    html, state = result(client, attendee, attempt)
    assert not key_shown(html, state)
    assert "ไม่แสดงเฉลย" in html


def test_unlimited_quiz_that_never_closes_explains_why_no_key(client, check, attendee):
    attempt = fail(check, attendee)
    html, state = result(client, attendee, attempt)
    assert "is_correct" not in str(state)
    assert "ทำซ้ำได้ทุกเมื่อ" in html


def test_quiz_page_tells_when_the_key_is_shown(client, posttest, attendee):
    html = client.get(f"/p/{token_of(attendee)}/learn/quizzes/{posttest.pk}/").content.decode()
    assert "เฉลยและคำอธิบาย: หลังทำครั้งสุดท้าย หรือเมื่อปิดแบบทดสอบ" in html
