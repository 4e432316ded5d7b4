"""Questions and choices are shuffled per attempt, from a seed stored on the attempt: stable on reload."""

import re

import pytest

from training import selectors
from training.models import Attempt, Quiz, QuizKind
from training.services.quizzes import start_attempt
from training.tests.conftest import add_question, token_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_quiz(session):
    quiz = Quiz.objects.create(session=session, kind=QuizKind.POSTTEST, title="สุ่ม", max_attempts=None)
    for i in range(12):
        add_question(quiz, "single", f"ข้อ {i}", correct=(1,), n=5)
    add_question(quiz, "truefalse", "ถูกหรือผิด", correct=(1,))
    return quiz


def _order(attempt):
    return [(item["question"].pk, [c.pk for c in item["choices"]]) for item in selectors.attempt_questions(attempt)]


def test_order_is_a_function_of_the_stored_seed(big_quiz, attendee):
    attempt = start_attempt(quiz=big_quiz, registration=attendee)
    first = _order(attempt)
    again = _order(Attempt.objects.get(pk=attempt.pk))
    assert first == again
    # The same seed on another attempt object gives the same order of choices.
    clone = Attempt(quiz=big_quiz, seed=attempt.seed, question_ids=attempt.question_ids)
    for question_id, choice_ids in first:
        question = big_quiz.questions.get(pk=question_id)
        assert [c.pk for c in clone.ordered_choices(question, list(question.choices.all()))] == choice_ids


def test_different_attempts_get_different_orders(big_quiz, attendee, other_attendee):
    a = start_attempt(quiz=big_quiz, registration=attendee)
    b = start_attempt(quiz=big_quiz, registration=other_attendee)
    assert a.seed != b.seed
    assert a.question_ids != b.question_ids or _order(a) != _order(b)
    assert sorted(a.question_ids) == sorted(b.question_ids)


def test_true_false_keeps_its_natural_order(big_quiz, attendee):
    attempt = start_attempt(quiz=big_quiz, registration=attendee)
    item = next(i for i in selectors.attempt_questions(attempt) if i["question"].kind == "truefalse")
    assert [c.text for c in item["choices"]] == ["ถูก", "ผิด"]


def test_no_shuffle_when_the_quiz_says_so(big_quiz, attendee):
    big_quiz.shuffle_questions = big_quiz.shuffle_choices = False
    big_quiz.save()
    attempt = start_attempt(quiz=big_quiz, registration=attendee)
    ids = list(big_quiz.questions.values_list("pk", flat=True))
    assert attempt.question_ids == ids
    for item in selectors.attempt_questions(attempt):
        assert [c.pk for c in item["choices"]] == sorted(c.pk for c in item["choices"])


def test_page_shows_the_same_order_on_every_reload(client, big_quiz, attendee):
    attempt = start_attempt(quiz=big_quiz, registration=attendee)
    url = f"/p/{token_of(attendee)}/learn/attempts/{attempt.pk}/"
    pattern = re.compile(r'name="q(\d+)" value="(\d+)"')
    first = pattern.findall(client.get(url).content.decode())
    second = pattern.findall(client.get(url).content.decode())
    assert first and first == second
    expected = [(str(q), str(c)) for q, cs in _order(attempt) for c in cs]
    assert first == expected
