"""Taking a quiz: attempt limits, open and close times, time limits, double submits and bad input.

Every refusal carries a clear message and a stable code, and leaves the stored attempt as it was.
"""

import datetime

import pytest
from django.utils import timezone

from meetings.tests.factories import make_session
from training.models import Answer, Attempt, AttemptStatus, Choice, Quiz
from training.services import TrainingError
from training.services.quizzes import finalise_if_over, save_answer, start_attempt, submit_attempt
from training.tests.conftest import correct_answers, token_of, wrong_answers

pytestmark = pytest.mark.django_db


def _snapshot(attempt):
    attempt = Attempt.objects.get(pk=attempt.pk)
    answers = sorted(Answer.objects.filter(attempt=attempt).values_list("question_id", "choice_ids", "is_correct"))
    return (attempt.status, attempt.score, attempt.submitted_at, attempt.correct_count, answers)


def _refusal(call, code):
    with pytest.raises(TrainingError) as error:
        call()
    assert error.value.code == code
    assert error.value.message
    return error.value


def test_start_twice_resumes_the_same_attempt(posttest, attendee):
    first = start_attempt(quiz=posttest, registration=attendee)
    assert start_attempt(quiz=posttest, registration=attendee).pk == first.pk
    assert Attempt.objects.filter(quiz=posttest, registration=attendee).count() == 1


def test_attempt_limit_is_enforced_with_a_reason(posttest, attendee):
    for _ in range(2):
        attempt = start_attempt(quiz=posttest, registration=attendee)
        submit_attempt(registration=attendee, attempt_id=attempt.pk, answers=wrong_answers(attempt))
    error = _refusal(lambda: start_attempt(quiz=posttest, registration=attendee), "no_attempts_left")
    assert "2" in error.message
    assert Attempt.objects.filter(quiz=posttest, registration=attendee).count() == 2


def test_quiz_not_open_yet_and_closed_say_why(posttest, attendee):
    posttest.opens_at = timezone.now() + datetime.timedelta(days=1)
    posttest.save()
    _refusal(lambda: start_attempt(quiz=posttest, registration=attendee), "not_open_yet")
    posttest.opens_at = timezone.now() - datetime.timedelta(days=2)
    posttest.closes_at = timezone.now() - datetime.timedelta(days=1)
    posttest.save()
    _refusal(lambda: start_attempt(quiz=posttest, registration=attendee), "closed")
    assert not Attempt.objects.exists()


def test_closed_quiz_page_explains_in_thai(client, posttest, attendee):
    posttest.closes_at = timezone.now() - datetime.timedelta(hours=1)
    posttest.save()
    html = client.get(f"/p/{token_of(attendee)}/learn/quizzes/{posttest.pk}/").content.decode()
    assert 'data-quiz-state="closed"' in html
    assert "แบบทดสอบนี้ปิดแล้วเมื่อ" in html
    response = client.post(f"/p/{token_of(attendee)}/learn/quizzes/{posttest.pk}/start/", follow=True)
    assert "แบบทดสอบนี้ปิดแล้วเมื่อ" in response.content.decode()
    assert not Attempt.objects.exists()


def test_used_up_quiz_page_explains_in_thai(client, posttest, attendee):
    for _ in range(2):
        attempt = start_attempt(quiz=posttest, registration=attendee)
        submit_attempt(registration=attendee, attempt_id=attempt.pk, answers={})
    html = client.get(f"/p/{token_of(attendee)}/learn/quizzes/{posttest.pk}/").content.decode()
    assert 'data-quiz-state="no_attempts_left"' in html and "ครบ" in html


def test_answer_after_the_time_limit_is_refused(posttest, attendee):
    posttest.time_limit_minutes = 10
    posttest.save()
    start = timezone.now()
    attempt = start_attempt(quiz=posttest, registration=attendee, now=start)
    assert attempt.deadline == start + datetime.timedelta(minutes=10)
    question = attempt.question_ids[0]
    choice = Choice.objects.filter(question_id=question).first().pk
    save_answer(registration=attendee, attempt_id=attempt.pk, question_id=question, choice_ids=[choice], now=start + datetime.timedelta(minutes=5))
    before = _snapshot(attempt)
    late = start + datetime.timedelta(minutes=10, seconds=30)
    _refusal(
        lambda: save_answer(registration=attendee, attempt_id=attempt.pk, question_id=attempt.question_ids[1], choice_ids=[], now=late), "time_up"
    )
    _refusal(lambda: submit_attempt(registration=attendee, attempt_id=attempt.pk, answers=correct_answers(attempt), now=late), "time_up")
    assert _snapshot(attempt) == before


def test_submission_within_the_grace_seconds_counts(posttest, attendee):
    posttest.time_limit_minutes = 10
    posttest.save()
    start = timezone.now()
    attempt = start_attempt(quiz=posttest, registration=attendee, now=start)
    submit_attempt(
        registration=attendee, attempt_id=attempt.pk, answers=correct_answers(attempt), now=start + datetime.timedelta(minutes=10, seconds=3)
    )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.score == 100


def test_expired_attempt_is_scored_from_saved_answers(posttest, attendee):
    posttest.time_limit_minutes = 5
    posttest.save()
    start = timezone.now() - datetime.timedelta(minutes=30)
    attempt = start_attempt(quiz=posttest, registration=attendee, now=start)
    answers = correct_answers(attempt)
    first = attempt.question_ids[0]
    save_answer(
        registration=attendee, attempt_id=attempt.pk, question_id=first, choice_ids=answers[str(first)], now=start + datetime.timedelta(minutes=1)
    )
    finalise_if_over(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.timed_out
    assert attempt.correct_count == 1


def test_quiz_closing_during_an_attempt_refuses_answers(posttest, attendee):
    attempt = start_attempt(quiz=posttest, registration=attendee)
    posttest.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    posttest.save()
    before = _snapshot(attempt)
    _refusal(lambda: submit_attempt(registration=attendee, attempt_id=attempt.pk, answers=correct_answers(attempt)), "closed")
    assert _snapshot(attempt) == before


def test_double_submit_counts_once(posttest, attendee):
    attempt = start_attempt(quiz=posttest, registration=attendee)
    submit_attempt(registration=attendee, attempt_id=attempt.pk, answers=correct_answers(attempt))
    before = _snapshot(attempt)
    _refusal(lambda: submit_attempt(registration=attendee, attempt_id=attempt.pk, answers=wrong_answers(attempt)), "already_submitted")
    assert _snapshot(attempt) == before
    assert before[1] == 100


def test_choice_from_another_question_is_refused(posttest, attendee):
    attempt = start_attempt(quiz=posttest, registration=attendee)
    q1, q2 = attempt.question_ids[:2]
    foreign = Choice.objects.filter(question_id=q2).first().pk
    before = _snapshot(attempt)
    _refusal(lambda: save_answer(registration=attendee, attempt_id=attempt.pk, question_id=q1, choice_ids=[foreign]), "invalid_choice")
    answers = correct_answers(attempt)
    answers[str(q1)] = [foreign]
    _refusal(lambda: submit_attempt(registration=attendee, attempt_id=attempt.pk, answers=answers), "invalid_choice")
    assert _snapshot(attempt) == before


def test_two_choices_for_a_single_choice_question_are_refused(posttest, attendee):
    attempt = start_attempt(quiz=posttest, registration=attendee)
    single = posttest.questions.get(text="ข้อหนึ่ง")
    both = list(single.choices.values_list("pk", flat=True)[:2])
    _refusal(lambda: save_answer(registration=attendee, attempt_id=attempt.pk, question_id=single.pk, choice_ids=both), "one_choice_only")


def test_question_outside_the_attempt_and_garbage_are_refused(posttest, pretest, attendee):
    attempt = start_attempt(quiz=posttest, registration=attendee)
    other = pretest.questions.first()
    _refusal(lambda: save_answer(registration=attendee, attempt_id=attempt.pk, question_id=other.pk, choice_ids=[]), "unknown_question")
    _refusal(lambda: save_answer(registration=attendee, attempt_id=attempt.pk, question_id="abc", choice_ids=["x"]), "bad_input")


def test_another_attendees_attempt_is_refused(posttest, attendee, other_attendee):
    attempt = start_attempt(quiz=posttest, registration=attendee)
    before = _snapshot(attempt)
    _refusal(lambda: submit_attempt(registration=other_attendee, attempt_id=attempt.pk, answers=correct_answers(attempt)), "not_your_attempt")
    _refusal(
        lambda: save_answer(registration=other_attendee, attempt_id=attempt.pk, question_id=attempt.question_ids[0], choice_ids=[]),
        "not_your_attempt",
    )
    assert _snapshot(attempt) == before


def test_http_submit_to_another_attendees_attempt_is_404_in_thai(client, posttest, attendee, other_attendee):
    attempt = start_attempt(quiz=posttest, registration=attendee)
    before = _snapshot(attempt)
    data = {f"q{k}": v for k, v in correct_answers(attempt).items()}
    response = client.post(f"/p/{token_of(other_attendee)}/learn/attempts/{attempt.pk}/submit/", data)
    assert response.status_code == 404
    assert "ไม่ได้เป็นของลิงก์ส่วนตัวของคุณ" in response.content.decode()
    response = client.post(f"/p/{token_of(other_attendee)}/learn/attempts/{attempt.pk}/answer/", {"question": attempt.question_ids[0]})
    assert response.status_code == 404 and response.json()["code"] == "not_your_attempt"
    assert _snapshot(attempt) == before


def test_http_bad_choice_gets_a_thai_message(client, posttest, attendee):
    attempt = start_attempt(quiz=posttest, registration=attendee)
    q1, q2 = attempt.question_ids[:2]
    foreign = Choice.objects.filter(question_id=q2).first().pk
    url = f"/p/{token_of(attendee)}/learn/attempts/{attempt.pk}/"
    response = client.post(url + "answer/", {"question": q1, "choice": foreign})
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_choice" and "ไม่ใช่ของคำถามนี้" in response.json()["message"]
    response = client.post(url + "submit/", {f"q{q1}": foreign}, follow=True)
    assert "ไม่ใช่ของคำถามนี้" in response.content.decode()
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.IN_PROGRESS


def test_http_double_submit_counts_once(client, posttest, attendee):
    attempt = start_attempt(quiz=posttest, registration=attendee)
    url = f"/p/{token_of(attendee)}/learn/attempts/{attempt.pk}/submit/"
    good = {f"q{k}": v for k, v in correct_answers(attempt).items()}
    bad = {f"q{k}": v for k, v in wrong_answers(attempt).items()}
    assert client.post(url, good).status_code == 302
    response = client.post(url, bad, follow=True)
    assert "ครั้งแรก" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.score == 100


def test_autosaved_answers_survive_a_reload(client, posttest, attendee):
    token = token_of(attendee)
    response = client.post(f"/p/{token}/learn/quizzes/{posttest.pk}/start/")
    attempt = Attempt.objects.get()
    assert response["Location"].endswith(f"/learn/attempts/{attempt.pk}/")
    multiple = posttest.questions.get(kind="multiple")
    picks = list(multiple.choices.values_list("pk", flat=True)[:2])
    saved = client.post(f"/p/{token}/learn/attempts/{attempt.pk}/answer/", {"question": multiple.pk, "choice": picks})
    assert saved.status_code == 200 and saved.json()["ok"] is True
    html = client.get(f"/p/{token}/learn/attempts/{attempt.pk}/").content.decode()
    for pk in picks:
        assert f'value="{pk}" id="c{pk}" checked' in html
    state = client.get(f"/p/{token}/learn/attempts/{attempt.pk}/state.json").json()
    assert next(q for q in state["questions"] if q["id"] == multiple.pk)["selected"] == sorted(picks)


def test_empty_quiz_cannot_be_started(session, attendee):
    quiz = Quiz.objects.create(session=session, kind="pretest", title="ว่าง")
    _refusal(lambda: start_attempt(quiz=quiz, registration=attendee), "no_questions")


def test_quiz_of_another_session_is_404_for_the_attendee(client, attendee):
    other = Quiz.objects.create(session=make_session(), kind="pretest", title="อื่น")
    assert client.get(f"/p/{token_of(attendee)}/learn/quizzes/{other.pk}/").status_code == 404
    assert client.post(f"/p/{token_of(attendee)}/learn/quizzes/{other.pk}/start/").status_code == 404
