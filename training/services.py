"""Training writes: attempts, answers, scoring, progress, certificates, authoring and question import.

Every path (attendee pages, staff pages, admin actions, the benchmark) goes through these functions.
Errors are TrainingError subclasses with a translated message and a stable `code`; views map the
code to a reply and never change data themselves.
"""
import secrets
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from meetings.dates import format_date
from meetings.models import Registration
from training.models import (
    Answer,
    Attempt,
    AttemptStatus,
    Certificate,
    CertificateRule,
    Choice,
    Module,
    ModuleAttachment,
    ModuleProgress,
    Question,
    QuestionKind,
    Quiz,
    QuizKind,
)
from training.models.quizzes import shuffled_question_ids


class TrainingError(Exception):
    def __init__(self, message, code):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code


class QuizError(TrainingError):
    pass


class CertificateError(TrainingError):
    pass


class QuestionImportError(TrainingError):
    """Holds every problem found in a spreadsheet: a list of (row number, message)."""

    def __init__(self, message, code, errors=()):
        super().__init__(message, code)
        self.errors = list(errors)


def _lock_registration(pk):
    """Row-lock a registration (PostgreSQL) so one person's concurrent starts or claims run one after the other.

    No ordering and no joins: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join,
    which the models' default orderings would add.
    """
    list(Registration.objects.select_for_update(of=("self",)).filter(pk=pk).order_by().values_list("pk", flat=True))


# --------------------------------------------------------------------------- quiz availability


@dataclass
class QuizState:
    """Where one attendee stands with one quiz, and why they may or may not start it."""

    quiz: Quiz
    code: str
    message: str
    can_start: bool = False
    open_attempt: Attempt | None = None
    attempts: list = field(default_factory=list)

    @property
    def submitted(self):
        return [a for a in self.attempts if a.is_submitted]

    @property
    def best(self):
        done = self.submitted
        return max(done, key=lambda a: (a.score, -a.number)) if done else None

    @property
    def last(self):
        done = self.submitted
        return done[-1] if done else None

    @property
    def attempts_left(self):
        if self.quiz.max_attempts is None:
            return None
        return max(0, self.quiz.max_attempts - len(self.attempts))


def quiz_state(quiz, registration, attempts, now=None):
    """Explain, in the attendee's language, whether `registration` can start `quiz` now.

    `attempts` are this registration's attempts at this quiz, oldest first (passed in so a page
    listing every quiz needs one query, not one per quiz).
    """
    now = now or timezone.now()
    attempts = sorted(attempts, key=lambda a: a.number)
    open_attempt = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None)
    state = QuizState(quiz=quiz, code="available", message="", attempts=attempts)
    if open_attempt is not None and not _attempt_is_over(open_attempt, now):
        state.code, state.open_attempt, state.can_start = "in_progress", open_attempt, True
        state.message = _("You have an unfinished attempt; continue where you left off.")
        return state
    if not quiz.is_published or quiz.session_id != registration.session_id:
        state.code, state.message = "not_published", _("This quiz is not available.")
    elif quiz.opens_at and now < quiz.opens_at:
        state.code = "not_open_yet"
        state.message = _("This quiz opens on %(when)s.") % {"when": format_date(quiz.opens_at, "datetime")}
    elif quiz.closes_at and now > quiz.closes_at:
        state.code = "closed"
        state.message = _("This quiz closed on %(when)s.") % {"when": format_date(quiz.closes_at, "datetime")}
    elif quiz.max_attempts is not None and len(attempts) >= quiz.max_attempts:
        state.code = "no_attempts_left"
        state.message = ngettext(
            "You have used your %(limit)d attempt at this quiz.",
            "You have used all %(limit)d attempts at this quiz.",
            quiz.max_attempts,
        ) % {"limit": quiz.max_attempts}
    else:
        state.can_start = True
        state.message = _("Ready to start.") if not attempts else _("You may try again.")
    return state


def _attempt_is_over(attempt, now):
    """An unsubmitted attempt ends when its time limit (plus grace) passes or its quiz closes."""
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return True
    if attempt.is_past_deadline(now):
        return True
    closes = attempt.quiz.closes_at
    return closes is not None and now > closes


# --------------------------------------------------------------------------- attempts


def start_attempt(quiz, registration, now=None):
    """Resume the registration's open attempt at `quiz`, or start a new one when the rules allow.

    Safe under a double tap: the database allows one open attempt per quiz and registration,
    and a losing concurrent start returns the winner's attempt.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the registration so two concurrent starts count attempts one after the other.
        _lock_registration(registration.pk)
        attempts = list(Attempt.objects.select_related("quiz").filter(quiz=quiz, registration=registration))
        for attempt in attempts:
            if attempt.status == AttemptStatus.IN_PROGRESS and _attempt_is_over(attempt, now):
                _score_attempt(attempt, now, timed_out=attempt.is_past_deadline(now))
        state = quiz_state(quiz, registration, attempts, now)
        if state.open_attempt is not None:
            return state.open_attempt
        if not state.can_start:
            raise QuizError(state.message, state.code)
        question_ids = list(quiz.questions.order_by("order", "pk").values_list("pk", flat=True))
        if not question_ids:
            raise QuizError(_("This quiz has no questions yet."), "no_questions")
        seed = secrets.randbelow(2**31)
        deadline = None
        if quiz.time_limit_minutes:
            deadline = now + timezone.timedelta(minutes=quiz.time_limit_minutes)
            if quiz.closes_at and quiz.closes_at < deadline:
                deadline = quiz.closes_at
        try:
            with transaction.atomic():
                return Attempt.objects.create(
                    quiz=quiz,
                    registration=registration,
                    number=max((a.number for a in attempts), default=0) + 1,
                    seed=seed,
                    question_ids=shuffled_question_ids(quiz, question_ids, seed),
                    question_count=len(question_ids),
                    started_at=now,
                    deadline=deadline,
                )
        except IntegrityError:
            existing = Attempt.objects.filter(
                quiz=quiz, registration=registration, status=AttemptStatus.IN_PROGRESS
            ).first()
            if existing is None:
                raise
            return existing


def _locked_attempt(registration, attempt_id, now):
    """The attempt, row-locked, after the checks every write to it needs. Call inside a transaction."""
    attempt = Attempt.objects.select_for_update(of=("self",)).filter(pk=attempt_id).order_by().first()
    if attempt is None or attempt.registration_id != registration.pk:
        raise QuizError(_("This attempt does not belong to your personal link."), "not_your_attempt")
    attempt.quiz = Quiz.objects.get(pk=attempt.quiz_id)
    if attempt.is_submitted:
        raise QuizError(
            _("This attempt has already been submitted; the first submission counts."), "already_submitted"
        )
    quiz = attempt.quiz
    if quiz.closes_at and now > quiz.closes_at:
        raise QuizError(
            _("This quiz closed on %(when)s; answers are no longer accepted.")
            % {"when": format_date(quiz.closes_at, "datetime")},
            "closed",
        )
    if attempt.is_past_deadline(now):
        raise QuizError(
            _("The time limit for this attempt has passed; answers are no longer accepted."), "time_up"
        )
    return attempt


def _clean_choices(attempt, question_id, choice_ids, questions):
    """Validate one answer against the attempt's own questions; return (question, sorted choice ids)."""
    try:
        question_id = int(question_id)
        choice_ids = sorted({int(c) for c in choice_ids})
    except (TypeError, ValueError):
        raise QuizError(_("The answer could not be read."), "bad_input") from None
    question = questions.get(question_id)
    if question is None or question_id not in attempt.question_ids:
        raise QuizError(_("This question is not part of your attempt."), "unknown_question")
    valid = {c.pk for c in question.choices.all()}
    if not set(choice_ids) <= valid:
        raise QuizError(_("A chosen answer does not belong to this question."), "invalid_choice")
    if question.kind != QuestionKind.MULTIPLE and len(choice_ids) > 1:
        raise QuizError(_("Choose only one answer for this question."), "one_choice_only")
    return question, choice_ids


def _questions_of(attempt):
    questions = Question.objects.filter(pk__in=attempt.question_ids).prefetch_related("choices")
    return {q.pk: q for q in questions}


def save_answer(registration, attempt_id, question_id, choice_ids, now=None):
    """Store the choices picked for one question (autosave on change). Nothing is scored yet."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked_attempt(registration, attempt_id, now)
        question, choice_ids = _clean_choices(attempt, question_id, choice_ids, _questions_of(attempt))
        answer, _created = Answer.objects.update_or_create(
            attempt=attempt, question=question, defaults={"choice_ids": choice_ids, "saved_at": now}
        )
    return answer


def submit_attempt(registration, attempt_id, answers=None, now=None):
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
                answers_by_question[question.pk] = Answer(
                    attempt=attempt, question=question, choice_ids=choice_ids, saved_at=now
                )
            elif answer.choice_ids != choice_ids:
                answer.choice_ids, answer.saved_at = choice_ids, now
        _score_attempt(attempt, now, questions=questions, answers=answers_by_question)
    return attempt


def finalise_if_over(attempt, now=None):
    """Score an unsubmitted attempt whose time ran out or whose quiz closed, from its saved answers."""
    now = now or timezone.now()
    if attempt.status != AttemptStatus.IN_PROGRESS or not _attempt_is_over(attempt, now):
        return attempt
    with transaction.atomic():
        locked = Attempt.objects.select_for_update(of=("self",)).select_related("quiz").order_by().get(pk=attempt.pk)
        if locked.status == AttemptStatus.IN_PROGRESS:
            _score_attempt(locked, now, timed_out=locked.is_past_deadline(now))
    attempt.refresh_from_db()
    return attempt


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
        raise QuizError(
            _("This attempt has already been submitted; the first submission counts."), "already_submitted"
        )
    attempt.status, attempt.submitted_at, attempt.correct_count = AttemptStatus.SUBMITTED, now, correct
    attempt.question_count, attempt.score, attempt.passed, attempt.timed_out = total, score, passed, timed_out
    if passed and attempt.quiz.kind == QuizKind.CHECK and attempt.quiz.module_id:
        complete_module(attempt.registration, attempt.quiz.module, now=now)
    return attempt


# --------------------------------------------------------------------------- module progress


def open_module(registration, module, now=None):
    """Record that the attendee opened the lesson (the first time counts)."""
    if module.session_id != registration.session_id:
        raise TrainingError(_("This module is not part of your session."), "wrong_session")
    progress, _created = ModuleProgress.objects.get_or_create(
        registration=registration, module=module, defaults={"opened_at": now or timezone.now()}
    )
    return progress


def complete_module(registration, module, now=None):
    now = now or timezone.now()
    progress = open_module(registration, module, now)
    if progress.completed_at is None:
        ModuleProgress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(completed_at=now)
        progress.completed_at = now
    return progress


# --------------------------------------------------------------------------- authoring


def check_question(kind, choices):
    """Problems with a question's choices, as translated messages (empty when it is sound).

    `choices` is a list of (text, is_correct).
    """
    errors = []
    texts = [t for t, _c in choices]
    correct = sum(1 for _t, c in choices if c)
    if kind not in QuestionKind.values:
        return [_("Unknown question type.")]
    if len(choices) < 2:
        errors.append(_("A question needs at least two choices."))
    if kind == QuestionKind.TRUE_FALSE and len(choices) != 2:
        errors.append(_("A true/false question has exactly two choices."))
    if len(set(texts)) != len(texts):
        errors.append(_("Two choices have the same text."))
    if kind == QuestionKind.MULTIPLE:
        if correct < 1:
            errors.append(_("Mark at least one correct choice."))
    elif correct != 1:
        errors.append(_("Mark exactly one correct choice."))
    return errors


def save_question(quiz, *, kind, text, explanation="", choices, question=None, order=None):
    """Create or replace a question with its choices (a list of (text, is_correct))."""
    errors = check_question(kind, choices)
    if errors:
        raise QuizError(" ".join(errors), "invalid_question")
    with transaction.atomic():
        if question is None:
            if order is None:
                order = (quiz.questions.aggregate(m=Max("order"))["m"] or 0) + 1
            question = Question.objects.create(quiz=quiz, kind=kind, text=text, explanation=explanation, order=order)
        else:
            question.kind, question.text, question.explanation = kind, text, explanation
            if order is not None:
                question.order = order
            question.save(update_fields=["kind", "text", "explanation", "order"])
            _replace_choices(question, choices)
            return question
        Choice.objects.bulk_create(
            [Choice(question=question, order=i, text=t, is_correct=c) for i, (t, c) in enumerate(choices, start=1)]
        )
    return question


def _replace_choices(question, choices):
    """Keep choice rows whose text is unchanged (stored answers point at them); replace the rest."""
    current = {c.text: c for c in question.choices.all()}
    keep = []
    for i, (text, correct) in enumerate(choices, start=1):
        choice = current.pop(text, None)
        if choice is None:
            choice = Choice(question=question, text=text)
        choice.order, choice.is_correct = i, correct
        keep.append(choice)
    Choice.objects.filter(pk__in=[c.pk for c in current.values()]).delete()
    for choice in keep:
        choice.save()


def delete_question(question):
    if Answer.objects.filter(question=question).exists():
        raise QuizError(
            _("This question has answers from attendees and cannot be deleted; edit it instead."), "has_answers"
        )
    question.delete()


def save_module(module):
    """Validate and save a module (from the authoring form)."""
    module.full_clean()
    module.save()
    return module


def save_quiz(quiz):
    if quiz.kind == QuizKind.CHECK and quiz.module_id is None:
        raise QuizError(_("A knowledge check belongs to a module."), "check_needs_module")
    if quiz.kind != QuizKind.CHECK:
        quiz.module = None
    if quiz.opens_at and quiz.closes_at and quiz.closes_at <= quiz.opens_at:
        raise QuizError(_("The quiz must close after it opens."), "bad_window")
    quiz.full_clean()
    quiz.save()
    return quiz


def add_attachment(module, title, uploaded_file):
    order = (module.attachments.aggregate(m=Max("order"))["m"] or 0) + 1
    return ModuleAttachment.objects.create(module=module, title=title, file=uploaded_file, order=order)


def delete_attachment(attachment):
    attachment.file.delete(save=False)
    attachment.delete()


def save_certificate_rule(rule):
    rule.full_clean()
    rule.save()
    return rule


def import_questions(quiz, uploaded_file, replace=False):
    """Add (or, with `replace`, swap in) the questions of an XLSX file. All or nothing.

    Raises QuestionImportError listing every bad row; nothing is written then.
    """
    from training.spreadsheets import parse_questions_xlsx

    rows, errors = parse_questions_xlsx(uploaded_file)
    if errors:
        raise QuestionImportError(
            ngettext(
                "The file has %(count)d problem; nothing was imported.",
                "The file has %(count)d problems; nothing was imported.",
                len(errors),
            )
            % {"count": len(errors)},
            "invalid_rows",
            errors,
        )
    if not rows:
        raise QuestionImportError(_("The file has no questions."), "empty")
    with transaction.atomic():
        if replace:
            if quiz.attempts.exists():
                raise QuestionImportError(
                    _("Attendees have already taken this quiz; its questions can only be added to, not replaced."),
                    "has_attempts",
                )
            quiz.questions.all().delete()
            start = 0
        else:
            start = quiz.questions.aggregate(m=Max("order"))["m"] or 0
        questions = Question.objects.bulk_create(
            [
                Question(quiz=quiz, order=start + i, kind=row.kind, text=row.text, explanation=row.explanation)
                for i, row in enumerate(rows, start=1)
            ]
        )
        Choice.objects.bulk_create(
            [
                Choice(question=question, order=j, text=text, is_correct=correct)
                for question, row in zip(questions, rows)
                for j, (text, correct) in enumerate(row.choices, start=1)
            ]
        )
    return len(questions)


# --------------------------------------------------------------------------- certificates


def get_certificate_rule(session):
    rule = CertificateRule.objects.filter(session=session).first()
    return rule or CertificateRule(session=session, enabled=False)


def certificate_shortfalls(registration, rule=None):
    """What the registration still has to do for a certificate (translated); empty when eligible."""
    from training.selectors import posttest_passed

    rule = rule or get_certificate_rule(registration.session)
    if not rule.enabled:
        return [_("This session does not issue certificates.")]
    missing = []
    if rule.require_checkin and not _has_checked_in(registration):
        missing.append(_("Check in at your venue."))
    if rule.require_posttest_passed and not posttest_passed(registration):
        missing.append(_("Pass the post-test."))
    modules = Module.objects.published().filter(session_id=registration.session_id)
    if rule.require_modules_completed:
        done = ModuleProgress.objects.filter(
            registration=registration, module__in=modules, completed_at__isnull=False
        ).count()
        if done < modules.count():
            missing.append(_("Complete every module."))
    if rule.require_checks_passed:
        checks = Quiz.objects.filter(session_id=registration.session_id, kind=QuizKind.CHECK, is_published=True)
        passed = (
            Attempt.objects.submitted()
            .filter(registration=registration, quiz__in=checks, passed=True)
            .values("quiz")
            .distinct()
            .count()
        )
        if passed < checks.count():
            missing.append(_("Pass every knowledge check."))
    return missing


def _has_checked_in(registration):
    from attendance.models import CheckIn

    return CheckIn.objects.filter(registration_id=registration.pk).exists()


def _new_certificate_number(session):
    # Year (BE) and session, then a random part: unique, and not a counter anyone could walk.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    year = timezone.localtime(session.starts_at).year + 543
    while True:
        tail = "".join(secrets.choice(alphabet) for _i in range(8))
        number = f"{year}-{session.pk:04d}-{tail}"
        if not Certificate.objects.filter(number=number).exists():
            return number


def _create_certificate(registration, issued_by, replaces=None):
    session = registration.session
    return Certificate.objects.create(
        session=session,
        registration=registration,
        number=_new_certificate_number(session),
        holder_name=registration.full_name,
        session_title=session.title,
        session_date=timezone.localtime(session.starts_at).date(),
        issued_by=issued_by,
        replaces=replaces,
    )


def issue_certificate(registration, issued_by=None):
    """The registration's valid certificate; issued now if the session's rule is met. Idempotent."""
    with transaction.atomic():
        _lock_registration(registration.pk)
        existing = Certificate.objects.valid().filter(registration=registration).first()
        if existing is not None:
            return existing
        missing = certificate_shortfalls(registration)
        if missing:
            raise CertificateError(
                _("The certificate cannot be issued yet: %(missing)s") % {"missing": " ".join(missing)},
                "not_eligible",
            )
        return _create_certificate(registration, issued_by)


def issue_certificates_for_session(session, issued_by=None):
    """Issue a certificate to every registration that meets the rule and has none. Returns how many.

    One transaction; if an attendee claims theirs at the same moment, the unique constraint on
    valid certificates makes this batch fail cleanly (nothing written) and it can be run again.
    """
    from training.selectors import eligible_registrations, without_valid_certificate

    try:
        with transaction.atomic():
            registrations = list(without_valid_certificate(eligible_registrations(session)))
            date = timezone.localtime(session.starts_at).date()
            certificates = [
                Certificate(
                    session=session,
                    registration=registration,
                    number=_new_certificate_number(session),
                    holder_name=registration.full_name,
                    session_title=session.title,
                    session_date=date,
                    issued_by=issued_by,
                )
                for registration in registrations
            ]
            Certificate.objects.bulk_create(certificates, batch_size=500)
    except IntegrityError:
        raise CertificateError(
            _("Someone received a certificate at the same moment; nothing was issued. Please try again."), "conflict"
        ) from None
    return len(certificates)


def revoke_certificate(certificate, revoked_by=None, reason=""):
    with transaction.atomic():
        updated = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=revoked_by, revoke_reason=reason[:300]
        )
        if not updated:
            raise CertificateError(_("This certificate has already been revoked."), "already_revoked")
    certificate.refresh_from_db()
    return certificate


def reissue_certificate(certificate, issued_by=None, reason=""):
    """Revoke `certificate` (if still valid) and issue a replacement with a new number and current names."""
    with transaction.atomic():
        _lock_registration(certificate.registration_id)
        if Certificate.objects.valid().filter(registration_id=certificate.registration_id).exclude(pk=certificate.pk).exists():
            raise CertificateError(
                _("This person already holds a newer valid certificate."), "already_reissued"
            )
        if certificate.revoked_at is None:
            Certificate.objects.filter(pk=certificate.pk).update(
                revoked_at=timezone.now(), revoked_by=issued_by, revoke_reason=(reason or _("Reissued"))[:300]
            )
        registration = Registration.objects.select_related("session").get(pk=certificate.registration_id)
        return _create_certificate(registration, issued_by, replaces=certificate)
