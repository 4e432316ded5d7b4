"""Taking a quiz: start or resume an attempt, autosave answers, submit, and score on the server.

Every refusal is a TrainingError with a stable code and leaves the stored attempt as it was.
"""

import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.dates import format_date
from training.models import Answer, Attempt, AttemptStatus, Question, QuestionKind, Quiz, QuizKind
from training.models.quizzes import shuffled_question_ids
from training.selectors import quiz_state
from training.services import TrainingError, lock_registration
from training.services.modules import complete_module


def start_attempt(*, quiz, registration, now=None):
    """Resume the registration's open attempt at `quiz`, or start a new one when the rules allow.

    A new attempt stores its questions (drawn from the bank when the quiz asks fewer than the bank
    holds, see `shuffled_question_ids`): reloads show them and grading uses them.

    Safe under a double tap: the database allows one open attempt per quiz and registration,
    and a losing concurrent start returns the winner's attempt.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the registration so two concurrent starts count attempts one after the other.
        lock_registration(registration.pk)
        attempts = list(Attempt.objects.select_related("quiz").filter(quiz=quiz, registration=registration))
        for attempt in attempts:
            if attempt.status == AttemptStatus.IN_PROGRESS and attempt.is_over(now):
                _score_attempt(attempt, now, timed_out=attempt.is_past_deadline(now))
        state = quiz_state(quiz, registration, attempts, now)
        if state.open_attempt is not None:
            return state.open_attempt
        if not state.can_start:
            raise TrainingError(state.message, state.code)
        bank = list(quiz.questions.order_by("order", "pk").values_list("pk", flat=True))
        if not bank:
            raise TrainingError(_("This quiz has no questions yet."), "no_questions")
        seed = secrets.randbelow(2**31)
        asked_before = [qid for attempt in attempts for qid in attempt.question_ids]
        question_ids = shuffled_question_ids(quiz, bank, seed, asked_before=asked_before)
        deadline = None
        if quiz.time_limit_minutes:
            deadline = now + timezone.timedelta(minutes=quiz.time_limit_minutes)
            if quiz.closes_at and quiz.closes_at < deadline:
                deadline = quiz.closes_at
        try:
            # A savepoint: a concurrent start that won the unique constraint leaves this transaction usable.
            with transaction.atomic():
                return Attempt.objects.create(
                    quiz=quiz,
                    registration=registration,
                    number=max((a.number for a in attempts), default=0) + 1,
                    seed=seed,
                    question_ids=question_ids,
                    question_count=len(question_ids),
                    started_at=now,
                    deadline=deadline,
                )
        except IntegrityError:
            existing = Attempt.objects.filter(quiz=quiz, registration=registration, status=AttemptStatus.IN_PROGRESS).first()
            if existing is None:
                raise
            return existing


def save_answer(*, registration, attempt_id, question_id, choice_ids, now=None):
    """Store the choices picked for one question (autosave on change). Nothing is scored yet."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked_attempt(registration, attempt_id, now)
        question, choice_ids = _clean_choices(attempt, question_id, choice_ids, _questions_of(attempt))
        answer, _created = Answer.objects.update_or_create(attempt=attempt, question=question, defaults={"choice_ids": choice_ids, "saved_at": now})
    return answer


def submit_attempt(*, registration, attempt_id, answers=None, now=None):
    """Save the final answers (a {question id: [choice ids]} dict) and score the attempt on the server.

    All or nothing: one bad answer rejects the whole submission and the stored attempt stays as it was.
    A second submission of the same attempt (a double tap, a retried request) is refused; the first counts.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked_attempt(registration, attempt_id, now)
        questions = _questions_of(attempt)
        cleaned = [_clean_choices(attempt, qid, cids, questions) for qid, cids in (answers or {}).items()]
        answers_by_question = {a.question_id: a for a in attempt.answers.all()}
        for question, choice_ids in cleaned:
            answer = answers_by_question.get(question.pk)
            if answer is None:
                answers_by_question[question.pk] = Answer(attempt=attempt, question=question, choice_ids=choice_ids, saved_at=now)
            elif answer.choice_ids != choice_ids:
                answer.choice_ids, answer.saved_at = choice_ids, now
        _score_attempt(attempt, now, questions=questions, answers=answers_by_question)
    return attempt


def finalise_if_over(*, attempt, now=None):
    """Score an unsubmitted attempt whose time ran out or whose quiz closed, from its saved answers."""
    now = now or timezone.now()
    if attempt.status != AttemptStatus.IN_PROGRESS or not attempt.is_over(now):
        return attempt
    with transaction.atomic():
        locked = Attempt.objects.select_for_update(of=("self",)).select_related("quiz").get(pk=attempt.pk)
        if locked.status == AttemptStatus.IN_PROGRESS:
            _score_attempt(locked, now, timed_out=locked.is_past_deadline(now))
    attempt.refresh_from_db()
    return attempt


def _locked_attempt(registration, attempt_id, now):
    """The attempt, row-locked, after the checks every write to it needs. Call inside a transaction."""
    attempt = Attempt.objects.select_for_update(of=("self",)).filter(pk=attempt_id).first()
    if attempt is None or attempt.registration_id != registration.pk:
        raise TrainingError(_("This attempt does not belong to your personal link."), "not_your_attempt")
    attempt.quiz = Quiz.objects.get(pk=attempt.quiz_id)
    if attempt.is_submitted:
        raise TrainingError(_("This attempt has already been submitted; the first submission counts."), "already_submitted")
    quiz = attempt.quiz
    if quiz.closes_at and now > quiz.closes_at:
        raise TrainingError(
            _("This quiz closed on %(when)s; answers are no longer accepted.") % {"when": format_date(quiz.closes_at, "datetime")},
            "closed",
        )
    if attempt.is_past_deadline(now):
        raise TrainingError(_("The time limit for this attempt has passed; answers are no longer accepted."), "time_up")
    return attempt


def _clean_choices(attempt, question_id, choice_ids, questions):
    """Validate one answer against the attempt's own questions; return (question, sorted choice ids)."""
    try:
        question_id = int(question_id)
        choice_ids = sorted({int(c) for c in choice_ids})
    except (TypeError, ValueError):
        raise TrainingError(_("The answer could not be read."), "bad_input") from None
    question = questions.get(question_id)
    if question is None or question_id not in attempt.question_ids:
        raise TrainingError(_("This question is not part of your attempt."), "unknown_question")
    valid = {c.pk for c in question.choices.all()}
    if not set(choice_ids) <= valid:
        raise TrainingError(_("A chosen answer does not belong to this question."), "invalid_choice")
    if question.kind != QuestionKind.MULTIPLE and len(choice_ids) > 1:
        raise TrainingError(_("Choose only one answer for this question."), "one_choice_only")
    return question, choice_ids


def _questions_of(attempt):
    questions = Question.objects.filter(pk__in=attempt.question_ids).prefetch_related("choices")
    return {q.pk: q for q in questions}


def _score_attempt(attempt, now, questions=None, timed_out=False, answers=None):
    """Mark every answer right or wrong and store the score. Call inside the transaction holding the lock.

    `answers` maps question id to Answer (saved, or new and unsaved); by default the stored answers.
    Unanswered questions get an empty answer marked wrong, so item analysis sees every question.
    """
    questions = questions or _questions_of(attempt)
    if answers is None:
        answers = {a.question_id: a for a in attempt.answers.all()}
    correct = 0
    stored, new = [], []
    for qid in attempt.question_ids:
        question = questions.get(qid)
        if question is None:  # deleted by staff after the attempt started: not counted
            continue
        answer = answers.get(qid)
        if answer is None:
            answer = Answer(attempt=attempt, question=question, choice_ids=[], saved_at=now)
        answer.is_correct = question.is_answer_correct(answer.choice_ids)
        correct += answer.is_correct
        (stored if answer.pk else new).append(answer)
    Answer.objects.bulk_update(stored, ["choice_ids", "saved_at", "is_correct"])
    Answer.objects.bulk_create(new)
    total = len([q for q in attempt.question_ids if q in questions])
    score = (Decimal(correct * 100) / Decimal(total)).quantize(Decimal("0.01"), ROUND_HALF_UP) if total else Decimal(0)
    passed = score >= attempt.quiz.pass_mark
    # The status condition makes a second, concurrent submission a no-op even where row locks are not available.
    updated = Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.IN_PROGRESS).update(
        status=AttemptStatus.SUBMITTED,
        submitted_at=now,
        correct_count=correct,
        question_count=total,
        score=score,
        passed=passed,
        timed_out=timed_out,
    )
    if not updated:
        raise TrainingError(_("This attempt has already been submitted; the first submission counts."), "already_submitted")
    attempt.status, attempt.submitted_at, attempt.correct_count = AttemptStatus.SUBMITTED, now, correct
    attempt.question_count, attempt.score, attempt.passed, attempt.timed_out = total, score, passed, timed_out
    if passed and attempt.quiz.kind == QuizKind.CHECK and attempt.quiz.module_id:
        complete_module(registration=attempt.registration, module=attempt.quiz.module, now=now)
    return attempt
