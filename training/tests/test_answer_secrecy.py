"""Correct answers never reach the browser before submission; explanations and the key appear after the last attempt."""

import json

import pytest

from training.models import Choice
from training.services.quizzes import start_attempt, submit_attempt
from training.tests.conftest import correct_answers, token_of

pytestmark = pytest.mark.django_db

LEAKS = ("is_correct", "correct_choices", "คำอธิบายข้อ", "data-correct", "explanation")


def _pages_before_submission(client, token, quiz, attempt):
    """Every page and JSON answer an attendee reaches while the attempt is open, each checked to be the real page
    (a 404 or an empty page would carry no key either, and prove nothing)."""
    base = f"/p/{token}/learn"
    first = attempt.question_ids[0]
    responses = {
        "personal": client.get(f"/p/{token}/"),
        "learn": client.get(f"{base}/"),
        "quiz": client.get(f"{base}/quizzes/{quiz.pk}/"),
        "take": client.get(f"{base}/attempts/{attempt.pk}/"),
        "state": client.get(f"{base}/attempts/{attempt.pk}/state.json"),
        "answer": client.post(
            f"{base}/attempts/{attempt.pk}/answer/",
            {"question": first, "choice": [Choice.objects.filter(question_id=first).first().pk]},
        ),
    }
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 200)
    pages = {name: r.content.decode() for name, r in responses.items()}
    for name in ("personal", "learn", "quiz", "take"):
        assert quiz.title in pages[name], name
    for question in quiz.questions.all():
        assert question.text in pages["take"] and question.text in pages["state"]
    assert responses["answer"].json()["ok"] is True
    return pages


def test_no_quiz_page_or_json_carries_the_key_before_submission(client, posttest, attendee):
    token = token_of(attendee)
    attempt = start_attempt(quiz=posttest, registration=attendee)
    pages = _pages_before_submission(client, token, posttest, attempt)
    for name, body in pages.items():
        for leak in LEAKS:
            assert leak not in body, (name, leak)
    # Choices carry only their id and text: the markup for a correct and a wrong choice looks the same.
    state = json.loads(pages["state"])
    for question in state["questions"]:
        for choice in question["choices"]:
            assert set(choice) == {"id", "text"}
        assert set(question) == {"id", "number", "kind", "text", "choices", "selected"}


def test_correct_and_wrong_choices_render_identically(client, posttest, attendee):
    attempt = start_attempt(quiz=posttest, registration=attendee)
    html = client.get(f"/p/{token_of(attendee)}/learn/attempts/{attempt.pk}/").content.decode()
    right = Choice.objects.filter(question__quiz=posttest, is_correct=True).first()
    wrong = Choice.objects.filter(question=right.question, is_correct=False).first()

    def line(choice):
        start = html.index(f'value="{choice.pk}"')
        tag = html[html.rfind("<input", 0, start) : html.index(">", start)]
        return tag.replace(f'value="{choice.pk}"', "").replace(f'id="c{choice.pk}"', "")

    assert line(right) == line(wrong)


def test_explanations_and_key_are_shown_after_the_last_attempt(client, posttest, attendee):
    # With attempts left the key stays hidden (test_answer_key.py); here the only attempt is the last.
    posttest.max_attempts = 1
    posttest.save(update_fields=["max_attempts"])
    token = token_of(attendee)
    attempt = start_attempt(quiz=posttest, registration=attendee)
    submit_attempt(registration=attendee, attempt_id=attempt.pk, answers=correct_answers(attempt))
    html = client.get(f"/p/{token}/learn/attempts/{attempt.pk}/").content.decode()
    assert "คำอธิบายข้อหนึ่งXYZ" in html and "คำอธิบายข้อสามXYZ" in html
    state = client.get(f"/p/{token}/learn/attempts/{attempt.pk}/state.json").json()
    assert state["score"] == 100.0
    assert all(q["is_correct"] and q["correct_choices"] for q in state["questions"])
