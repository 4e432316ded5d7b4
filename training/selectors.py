"""Training reads, with the permission check built in where staff are concerned.

Reads only: services import from here, never the other way round.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from attendance.models import CheckIn
from meetings.dates import format_date
from meetings.models import Province
from meetings.permissions import is_central, scope_to_user, user_province
from registration.models import Registration
from training.models import (
    Attempt,
    AttemptStatus,
    Certificate,
    CertificateRule,
    Module,
    ModuleProgress,
    Question,
    Quiz,
    QuizKind,
    ShowAnswers,
)

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

    @property
    def shows_answers(self):
        """Whether this attendee's submitted attempts may show the answer key and explanations.

        By default only once no further attempt is possible (all attempts used, or the quiz closed), so a
        retake cannot pass by copying the key; staff may choose "after each attempt" or "never".
        """
        mode = self.quiz.show_answers
        if mode == ShowAnswers.AFTER_EACH_ATTEMPT:
            return True
        if mode == ShowAnswers.NEVER:
            return False
        return self.code in ("closed", "no_attempts_left")

    @property
    def answers_note(self):
        """Why the answers are not shown (yet), for the attendee."""
        quiz = self.quiz
        if quiz.show_answers == ShowAnswers.NEVER:
            return _("The answers of this quiz are not shown.")
        if quiz.closes_at and quiz.max_attempts:
            return _("The answers and explanations are shown after your last attempt, or when the quiz closes on %(when)s.") % {
                "when": format_date(quiz.closes_at, "datetime")
            }
        if quiz.closes_at:
            return _("The answers and explanations are shown when the quiz closes on %(when)s.") % {"when": format_date(quiz.closes_at, "datetime")}
        if quiz.max_attempts:
            return _("The answers and explanations are shown after your last attempt.")
        return _("You may take this quiz again at any time, so its answers are not shown.")


def quiz_state(quiz, registration, attempts, now=None):
    """Explain, in the attendee's language, whether `registration` can start `quiz` now.

    `attempts` are this registration's attempts at this quiz, oldest first (passed in so a page
    listing every quiz needs one query, not one per quiz).
    """
    now = now or timezone.now()
    attempts = sorted(attempts, key=lambda a: a.number)
    open_attempt = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None)
    state = QuizState(quiz=quiz, code="available", message="", attempts=attempts)
    if open_attempt is not None and not open_attempt.is_over(now):
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


# --------------------------------------------------------------------------- attendee


@dataclass
class LearningOverview:
    registration: Registration
    modules: list = field(default_factory=list)  # (module, progress or None, check state or None)
    pretest: object = None
    posttest: object = None
    states: list = field(default_factory=list)
    certificate: Certificate | None = None
    certificate_missing: list = field(default_factory=list)
    certificates_enabled: bool = False

    @property
    def completed_count(self):
        return sum(1 for _m, p, _s in self.modules if p and p.completed_at)


def get_learning_overview(registration, now=None):
    """Everything the attendee's page lists: modules with progress, quizzes with status, certificate."""
    session_id = registration.session_id
    modules = list(Module.objects.published().filter(session_id=session_id).order_by("order"))
    progress = {p.module_id: p for p in ModuleProgress.objects.filter(registration=registration)}
    quizzes = sorted(
        Quiz.objects.filter(session_id=session_id, is_published=True).select_related("module"),
        key=lambda q: q.sort_key,
    )
    attempts = defaultdict(list)
    for attempt in Attempt.objects.filter(registration=registration, quiz__in=quizzes):
        attempts[attempt.quiz_id].append(attempt)
    overview = LearningOverview(registration=registration)
    for quiz in quizzes:
        state = quiz_state(quiz, registration, attempts[quiz.pk], now)
        overview.states.append(state)
        if quiz.kind == QuizKind.PRETEST:
            overview.pretest = state
        elif quiz.kind == QuizKind.POSTTEST:
            overview.posttest = state
    checks = {s.quiz.module_id: s for s in overview.states if s.quiz.kind == QuizKind.CHECK}
    overview.modules = [(m, progress.get(m.pk), checks.get(m.pk)) for m in modules]
    overview.certificate = get_valid_certificate(registration)
    rule = get_certificate_rule(registration.session)
    overview.certificates_enabled = rule.enabled
    if overview.certificate is None and rule.enabled:
        overview.certificate_missing = certificate_shortfalls(registration, rule)
    return overview


def get_module_for_attendee(registration, pk):
    return get_object_or_404(Module.objects.published(), session_id=registration.session_id, pk=pk)


def get_quiz_for_attendee(registration, pk):
    return get_object_or_404(Quiz.objects.select_related("module"), session_id=registration.session_id, is_published=True, pk=pk)


def get_attempts_for_attendee(registration, quiz):
    """The registration's attempts at `quiz`, oldest first."""
    return list(Attempt.objects.filter(quiz=quiz, registration=registration).order_by("number"))


def get_attempt_for_attendee(registration, pk):
    """Another attendee's attempt answers 404: a personal link reaches only its own attempts."""
    return get_object_or_404(Attempt.objects.select_related("quiz", "quiz__module"), registration=registration, pk=pk)


def get_quiz_state_for_attempt(registration, attempt, now=None):
    """Where the attendee stands with the quiz of `attempt` (whether its answers may be shown, among others)."""
    return quiz_state(attempt.quiz, registration, get_attempts_for_attendee(registration, attempt.quiz), now)


def attempt_questions(attempt):
    """The attempt's questions in its own order, each with its choices in the attempt's order."""
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids).prefetch_related("choices")}
    answers = {a.question_id: a for a in attempt.answers.all()}
    items = []
    for number, qid in enumerate((q for q in attempt.question_ids if q in questions), start=1):
        question = questions[qid]
        answer = answers.get(qid)
        items.append(
            {
                "number": number,
                "question": question,
                "choices": attempt.ordered_choices(question, list(question.choices.all())),
                "selected": set(answer.choice_ids) if answer else set(),
                "is_correct": answer.is_correct if answer else None,
            }
        )
    return items


# --------------------------------------------------------------------------- certificates


def get_valid_certificate(registration):
    return Certificate.objects.valid().filter(registration=registration).first()


def get_certificate_by_number(number):
    return Certificate.objects.filter(number=number).first()


def get_certificate_rule(session):
    """The session's rule; an unsaved, disabled one when staff have not set it up."""
    rule = CertificateRule.objects.filter(session=session).first()
    return rule or CertificateRule(session=session, enabled=False)


def certificate_shortfalls(registration, rule=None):
    """What the registration still has to do for a certificate (translated); empty when eligible."""
    rule = rule or get_certificate_rule(registration.session)
    if not rule.enabled:
        return [_("This session does not issue certificates.")]
    missing = []
    if rule.require_checkin and not CheckIn.objects.filter(registration_id=registration.pk).exists():
        missing.append(_("Check in at your venue."))
    if rule.require_posttest_passed and not posttest_passed(registration):
        missing.append(_("Pass the post-test."))
    modules = Module.objects.published().filter(session_id=registration.session_id)
    if rule.require_modules_completed:
        done = ModuleProgress.objects.filter(registration=registration, module__in=modules, completed_at__isnull=False).count()
        if done < modules.count():
            missing.append(_("Complete every module."))
    if rule.require_checks_passed:
        checks = Quiz.objects.filter(session_id=registration.session_id, kind=QuizKind.CHECK, is_published=True)
        passed = Attempt.objects.submitted().filter(registration=registration, quiz__in=checks, passed=True).values("quiz").distinct().count()
        if passed < checks.count():
            missing.append(_("Pass every knowledge check."))
    return missing


def posttest_passed(registration):
    return (
        Attempt.objects.submitted()
        .filter(registration=registration, quiz__session_id=registration.session_id, quiz__kind=QuizKind.POSTTEST, passed=True)
        .exists()
    )


def eligible_registrations(session):
    """Active registrations that meet the session's certificate rule (one query)."""
    rule = get_certificate_rule(session)
    registrations = Registration.objects.active().filter(session=session, link_revoked=False)
    if not rule.enabled:
        return registrations.none()
    if rule.require_checkin:
        registrations = registrations.filter(checkin__isnull=False)
    if rule.require_posttest_passed:
        registrations = registrations.filter(
            Exists(Attempt.objects.submitted().filter(registration=OuterRef("pk"), quiz__session=session, quiz__kind=QuizKind.POSTTEST, passed=True))
        )
    if rule.require_modules_completed:
        modules = Module.objects.published().filter(session=session).count()
        registrations = registrations.annotate(
            done_modules=Count(
                "module_progress",
                filter=Q(module_progress__completed_at__isnull=False, module_progress__module__is_published=True),
                distinct=True,
            )
        ).filter(done_modules__gte=modules)
    if rule.require_checks_passed:
        checks = Quiz.objects.filter(session=session, kind=QuizKind.CHECK, is_published=True).count()
        registrations = registrations.annotate(
            passed_checks=Count(
                "quiz_attempts__quiz",
                filter=Q(
                    quiz_attempts__passed=True,
                    quiz_attempts__quiz__kind=QuizKind.CHECK,
                    quiz_attempts__quiz__is_published=True,
                ),
                distinct=True,
            )
        ).filter(passed_checks__gte=checks)
    return registrations


# --------------------------------------------------------------------------- staff


def without_valid_certificate(registrations):
    return registrations.exclude(Exists(Certificate.objects.valid().filter(registration=OuterRef("pk"))))


def get_results_registrations_for_user(user, session):
    """The registrations whose results this user may read: all for central staff, own province for officers.

    In the order the results pages and exports list people: by province, role, then name.
    """
    registrations = Registration.objects.active().filter(session=session).select_related("province", "role")
    return scope_to_user(registrations, user).order_by("province__code", "role__order", "first_name", "last_name")


def get_province_for_results(user, session, code):
    """A province whose results the user may read; another province answers 404 for an officer."""
    province = get_object_or_404(Province, code=code)
    if not is_central(user) and user_province(user) != province:
        raise Http404("another province")
    return province


def get_registration_results_for_user(user, session, pk):
    return get_object_or_404(get_results_registrations_for_user(user, session), pk=pk)


def get_certificate_for_staff(user, session, pk):
    certificates = scope_to_user(
        Certificate.objects.select_related("registration", "registration__province"),
        user,
        province_field="registration__province",
    )
    return get_object_or_404(certificates, session=session, pk=pk)


def get_quiz_for_staff(session, pk):
    return get_object_or_404(Quiz.objects.select_related("module"), session=session, pk=pk)


def quizzes_for_session(session):
    return sorted(
        Quiz.objects.filter(session=session).select_related("module").annotate(n_questions=Count("questions", distinct=True)),
        key=lambda q: q.sort_key,
    )
