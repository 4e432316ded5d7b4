"""Training reads, with the permission check built in where staff are concerned."""
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from meetings.models import Registration, Session
from meetings.permissions import is_central, scope_to_user, user_province
from meetings.selectors import get_session_for_user
from training.models import Attempt, Certificate, Module, ModuleProgress, Quiz, QuizKind


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
    from training.services import certificate_shortfalls, get_certificate_rule, quiz_state

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
    overview.certificate = Certificate.objects.valid().filter(registration=registration).first()
    rule = get_certificate_rule(registration.session)
    overview.certificates_enabled = rule.enabled
    if overview.certificate is None and rule.enabled:
        overview.certificate_missing = certificate_shortfalls(registration, rule)
    return overview


def get_module_for_attendee(registration, pk):
    return get_object_or_404(Module.objects.published(), session_id=registration.session_id, pk=pk)


def get_quiz_for_attendee(registration, pk):
    return get_object_or_404(
        Quiz.objects.select_related("module"), session_id=registration.session_id, is_published=True, pk=pk
    )


def get_attempt_for_attendee(registration, pk):
    """Another attendee's attempt answers 404: a personal link reaches only its own attempts."""
    return get_object_or_404(Attempt.objects.select_related("quiz", "quiz__module"), registration=registration, pk=pk)


def attempt_questions(attempt):
    """The attempt's questions in its own order, each with its choices in the attempt's order."""
    from training.models import Question

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


def posttest_passed(registration):
    return Attempt.objects.submitted().filter(
        registration=registration, quiz__session_id=registration.session_id, quiz__kind=QuizKind.POSTTEST, passed=True
    ).exists()


def eligible_registrations(session):
    """Active registrations that meet the session's certificate rule (one query)."""
    from training.services import get_certificate_rule

    rule = get_certificate_rule(session)
    registrations = Registration.objects.active().filter(session=session, link_revoked=False)
    if not rule.enabled:
        return registrations.none()
    if rule.require_checkin:
        registrations = registrations.filter(checkin__isnull=False)
    if rule.require_posttest_passed:
        registrations = registrations.filter(
            Exists(
                Attempt.objects.submitted().filter(
                    registration=OuterRef("pk"), quiz__session=session, quiz__kind=QuizKind.POSTTEST, passed=True
                )
            )
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


def get_training_session_for_user(user, pk):
    return get_session_for_user(user, pk)


def get_results_registrations_for_user(user, session):
    """The registrations whose results this user may read: all for central staff, own province for officers."""
    return scope_to_user(
        Registration.objects.active().filter(session=session).select_related("province", "role"), user
    )


def get_province_for_results(user, session, code):
    """A province whose results the user may read; another province answers 404 for an officer."""
    from meetings.models import Province

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
    return sorted(Quiz.objects.filter(session=session).select_related("module").annotate(
        n_questions=Count("questions", distinct=True)
    ), key=lambda q: q.sort_key)


def session_by_pk(pk):
    return get_object_or_404(Session, pk=pk)
