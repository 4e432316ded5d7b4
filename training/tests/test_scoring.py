"""Scoring happens on the server, all or nothing per question, for every question type."""

from decimal import Decimal

import pytest

from training.models import Answer, Quiz, QuizKind
from training.services.quizzes import start_attempt, submit_attempt
from training.tests.conftest import add_question, correct_answers

pytestmark = pytest.mark.django_db


def _choices(question):
    return list(question.choices.order_by("order"))


@pytest.fixture
def quiz(session):
    return Quiz.objects.create(session=session, kind=QuizKind.POSTTEST, title="t", pass_mark=60, shuffle_questions=False)


def test_single_choice_is_right_only_with_the_correct_choice(quiz):
    q = add_question(quiz, "single", correct=(2,))
    c = _choices(q)
    assert q.is_answer_correct([c[1].pk])
    assert not q.is_answer_correct([c[0].pk])
    assert not q.is_answer_correct([])


def test_true_false_is_right_only_with_the_correct_word(quiz):
    q = add_question(quiz, "truefalse", correct=(2,))
    true, false = _choices(q)
    assert (true.text, false.text) == ("ถูก", "ผิด")
    assert q.is_answer_correct([false.pk])
    assert not q.is_answer_correct([true.pk])


def test_multiple_choice_is_all_or_nothing(quiz):
    q = add_question(quiz, "multiple", correct=(1, 3))
    c = _choices(q)
    assert q.is_answer_correct([c[0].pk, c[2].pk])
    assert not q.is_answer_correct([c[0].pk]), "a subset of the correct choices earns nothing"
    assert not q.is_answer_correct([c[0].pk, c[2].pk, c[1].pk]), "an extra wrong choice earns nothing"
    assert not q.is_answer_correct([c.pk for c in c]), "ticking everything earns nothing"


def test_submitted_attempt_is_scored_as_a_percentage_with_pass_mark(quiz, attendee):
    questions = [add_question(quiz, "single", correct=(1,)) for _ in range(4)] + [add_question(quiz, "multiple", correct=(1, 2))]
    attempt = start_attempt(quiz=quiz, registration=attendee)
    answers = correct_answers(attempt)
    # Get exactly three right: two single questions wrong.
    for q in questions[:2]:
        answers[str(q.pk)] = [_choices(q)[3].pk]
    submit_attempt(registration=attendee, attempt_id=attempt.pk, answers=answers)
    attempt.refresh_from_db()
    assert attempt.correct_count == 3 and attempt.question_count == 5
    assert attempt.score == Decimal("60.00")
    assert attempt.passed is True  # 60 >= pass mark 60


def test_below_pass_mark_fails_and_unanswered_questions_count_wrong(quiz, attendee):
    questions = [add_question(quiz, "single", correct=(1,)) for _ in range(3)]
    attempt = start_attempt(quiz=quiz, registration=attendee)
    submit_attempt(registration=attendee, attempt_id=attempt.pk, answers={str(questions[0].pk): [_choices(questions[0])[0].pk]})
    attempt.refresh_from_db()
    assert attempt.score == Decimal("33.33") and attempt.passed is False
    marks = dict(Answer.objects.filter(attempt=attempt).values_list("question_id", "is_correct"))
    assert marks == {questions[0].pk: True, questions[1].pk: False, questions[2].pk: False}


def test_passing_a_knowledge_check_completes_its_module(check, attendee):
    attempt = start_attempt(quiz=check, registration=attendee)
    submit_attempt(registration=attendee, attempt_id=attempt.pk, answers=correct_answers(attempt))
    progress = check.module.progress.get(registration=attendee)
    assert progress.completed_at is not None
