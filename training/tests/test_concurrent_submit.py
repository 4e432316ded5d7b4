"""Two phones (or a double tap) submitting one attempt at the same moment: one submission counts."""

import threading

import pytest
from django.db import connection

from training.models import Answer, Attempt, AttemptStatus
from training.services import TrainingError
from training.services.quizzes import start_attempt, submit_attempt
from training.tests.conftest import correct_answers, wrong_answers

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 6


def test_simultaneous_submits_count_once_and_the_losers_change_nothing(posttest, attendee):
    attempt = start_attempt(quiz=posttest, registration=attendee)
    # Half the threads send all-correct answers, half all-wrong: whichever wins, the stored
    # attempt must be exactly that one submission, never a mix.
    payloads = [correct_answers(attempt) if i % 2 else wrong_answers(attempt) for i in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    outcomes = []
    lock = threading.Lock()

    def submit(answers):
        try:
            barrier.wait(timeout=10)
            submit_attempt(registration=attendee, attempt_id=attempt.pk, answers=answers)
            result = "submitted"
        except TrainingError as error:
            result = error.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=submit, args=(answers,)) for answers in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["already_submitted"] * (THREADS - 1) + ["submitted"]
    stored = Attempt.objects.get(pk=attempt.pk)
    assert stored.status == AttemptStatus.SUBMITTED
    assert stored.score in (0, 100)
    correct_flags = set(Answer.objects.filter(attempt=stored).values_list("is_correct", flat=True))
    assert correct_flags == {stored.score == 100}
