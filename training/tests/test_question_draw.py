"""A quiz that asks fewer questions than its bank holds draws them for each attempt, and stores the draw.

A retake then meets other questions (those not asked yet first), a reload shows the same ones, grading
uses them, and the results (pre/post comparison, item analysis) still add up.
"""

import re

import pytest

from meetings.tests.factories import PASSWORD
from registration.tests.factories import make_registration
from training import analytics
from training.models import Attempt, Question, Quiz, QuizKind
from training.models.quizzes import shuffled_question_ids
from training.services import TrainingError
from training.services import quizzes as quiz_services
from training.services.quizzes import start_attempt, submit_attempt
from training.tests.conftest import add_question, correct_answers, token_of

pytestmark = pytest.mark.django_db
QUESTION_FIELD = re.compile(r'name="q(\d+)"')


def make_bank(session, size, asks, kind=QuizKind.POSTTEST, max_attempts=None):
    quiz = Quiz.objects.create(session=session, kind=kind, title=f"คลัง {kind}", max_attempts=max_attempts, questions_per_attempt=asks)
    for i in range(size):
        add_question(quiz, "single", f"{kind} ข้อที่ {i}", correct=(1,))
    return quiz


def bank_ids(quiz):
    return list(quiz.questions.order_by("order", "pk").values_list("pk", flat=True))


def take(quiz, registration):
    attempt = start_attempt(quiz=quiz, registration=registration)
    submit_attempt(registration=registration, attempt_id=attempt.pk, answers=correct_answers(attempt))
    attempt.refresh_from_db()
    return attempt


def test_an_attempt_asks_the_set_number_of_distinct_questions_from_the_bank(session, attendee):
    quiz = make_bank(session, size=8, asks=3)
    attempt = start_attempt(quiz=quiz, registration=attendee)
    assert len(attempt.question_ids) == len(set(attempt.question_ids)) == 3
    assert set(attempt.question_ids) <= set(bank_ids(quiz))
    assert attempt.question_count == 3


def test_a_second_attempt_draws_questions_not_asked_yet(session, attendee):
    quiz = make_bank(session, size=6, asks=3)
    first = take(quiz, attendee)
    second = take(quiz, attendee)
    assert set(first.question_ids).isdisjoint(second.question_ids)
    assert set(first.question_ids) | set(second.question_ids) == set(bank_ids(quiz))


def test_when_too_few_questions_are_new_the_draw_tops_up_from_those_asked(session, attendee):
    quiz = make_bank(session, size=5, asks=3)
    first = take(quiz, attendee)
    second = take(quiz, attendee)
    unasked = set(bank_ids(quiz)) - set(first.question_ids)
    assert unasked <= set(second.question_ids) and len(second.question_ids) == 3


def test_the_draw_is_a_function_of_the_seed_and_differs_between_seeds(session):
    quiz = make_bank(session, size=10, asks=4)
    bank = bank_ids(quiz)
    draws = [shuffled_question_ids(quiz, bank, seed) for seed in range(20)]
    assert all(len(d) == 4 and set(d) <= set(bank) for d in draws)
    assert len({frozenset(d) for d in draws}) > 1  # not always the same selection
    assert draws == [shuffled_question_ids(quiz, bank, seed) for seed in range(20)]


def test_two_people_with_different_seeds_get_different_questions(session, attendee, other_attendee, monkeypatch):
    quiz = make_bank(session, size=10, asks=4)
    seeds = iter([1, 2])
    monkeypatch.setattr(quiz_services.secrets, "randbelow", lambda _n: next(seeds))
    a = start_attempt(quiz=quiz, registration=attendee)
    b = start_attempt(quiz=quiz, registration=other_attendee)
    assert (a.seed, b.seed) == (1, 2)
    assert a.question_ids == shuffled_question_ids(quiz, bank_ids(quiz), 1)
    assert set(a.question_ids) != set(b.question_ids)


def test_without_shuffling_the_drawn_questions_keep_the_bank_order(session, attendee):
    quiz = make_bank(session, size=8, asks=3)
    quiz.shuffle_questions = False
    quiz.save(update_fields=["shuffle_questions"])
    attempt = start_attempt(quiz=quiz, registration=attendee)
    bank = bank_ids(quiz)
    assert attempt.question_ids == sorted(attempt.question_ids, key=bank.index)


def test_a_number_above_the_bank_size_asks_every_question(session, attendee):
    quiz = make_bank(session, size=3, asks=10)
    attempt = start_attempt(quiz=quiz, registration=attendee)
    assert sorted(attempt.question_ids) == sorted(bank_ids(quiz)) and attempt.question_count == 3


def test_reload_shows_the_drawn_questions_and_grading_uses_them(client, session, attendee):
    quiz = make_bank(session, size=6, asks=3)
    attempt = start_attempt(quiz=quiz, registration=attendee)
    drawn = {q.pk: q.text for q in Question.objects.filter(pk__in=attempt.question_ids)}
    left_out = Question.objects.filter(quiz=quiz).exclude(pk__in=attempt.question_ids)
    url = f"/p/{token_of(attendee)}/learn/attempts/{attempt.pk}/"
    first, again = client.get(url).content.decode(), client.get(url).content.decode()
    asked = [int(pk) for pk in dict.fromkeys(QUESTION_FIELD.findall(first))]
    assert asked == attempt.question_ids == [int(pk) for pk in dict.fromkeys(QUESTION_FIELD.findall(again))]
    for text in drawn.values():
        assert text in first
    for question in left_out:
        assert question.text not in first
    # An answer to a question outside the draw is refused and changes nothing.
    outsider = left_out.first()
    with pytest.raises(TrainingError) as error:
        submit_attempt(registration=attendee, attempt_id=attempt.pk, answers={str(outsider.pk): [outsider.choices.first().pk]})
    assert error.value.code == "unknown_question"
    assert Attempt.objects.get(pk=attempt.pk).answers.count() == 0
    submit_attempt(registration=attendee, attempt_id=attempt.pk, answers=correct_answers(attempt))
    attempt.refresh_from_db()
    assert (attempt.correct_count, attempt.question_count, attempt.score) == (3, 3, 100)


def test_quiz_page_counts_the_questions_one_attempt_asks(client, session, attendee):
    quiz = make_bank(session, size=6, asks=3)
    html = client.get(f"/p/{token_of(attendee)}/learn/quizzes/{quiz.pk}/").content.decode()
    assert "3 ข้อ" in html and "6 ข้อ" not in html


def test_results_still_compare_pre_and_post_and_analyse_each_question(session):
    pretest = make_bank(session, size=6, asks=3, kind=QuizKind.PRETEST)
    posttest = make_bank(session, size=6, asks=3, kind=QuizKind.POSTTEST)
    people = [make_registration(session, "TH-52") for _ in range(4)]
    for person in people:
        take(pretest, person)
        take(posttest, person)
    results = analytics.participant_results(session, session.registrations.filter(pk__in=[p.pk for p in people]))
    assert [(r.pre, r.post) for r in results] == [(100.0, 100.0)] * 4
    items = analytics.item_analysis(posttest, session.registrations.all())
    asked = {}
    for attempt in Attempt.objects.filter(quiz=posttest):
        for qid in attempt.question_ids:
            asked[qid] = asked.get(qid, 0) + 1
    assert {i.question.pk: i.responses for i in items} == {qid: asked.get(qid, 0) for qid in bank_ids(posttest)}
    assert sum(i.responses for i in items) == 4 * 3


def test_staff_set_the_draw_and_the_answer_key_rule_in_the_quiz_settings(client, session, central_organiser):
    client.login(username=central_organiser.username, password=PASSWORD)
    url = f"/training/sessions/{session.pk}/quizzes/new/"
    base = {"kind": "posttest", "title": "หลังเรียน", "pass_mark": 60, "shuffle_questions": "on", "is_published": "on"}
    assert client.post(url, {**base, "questions_per_attempt": 0}).status_code == 200  # at least one question
    response = client.post(url, {**base, "questions_per_attempt": 10, "show_answers": "after_each"})
    assert response.status_code == 302
    quiz = Quiz.objects.get(session=session, kind="posttest")
    assert (quiz.questions_per_attempt, quiz.show_answers) == (10, "after_each")
    for i in range(4):
        add_question(quiz, "single", f"ข้อ {i}", correct=(1,))
    html = client.get(f"/training/sessions/{session.pk}/quizzes/{quiz.pk}/").content.decode()
    assert 'data-draw="all"' in html  # 10 asked of a bank of 4: staff are told attempts will not differ
