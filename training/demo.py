"""The demo session's four modules, their knowledge checks, the pre-test and the post-test; what its
participants did with them on the day; and `seed_demo`, which builds the whole demo.

The content is written in Thai for this project from the seed's four agenda topics
(training/demo_content/); every lesson opens with a note that it is sample content for the department
to review, and staff can edit all of it.

The day's results are made up, drawn from a seeded generator: pre-tests before the meeting, knowledge
checks after each agenda topic, post-tests after it (a second attempt for some who failed), a gain that
differs by province, and the certificates the session's rule grants, issued by the certificate service.
Attempts and answers go in with bulk_create (the quiz services, an attempt at a time, are too slow for a
demo seed) but hold what those services store: the attempt's questions in the order its seed gives
(`shuffled_question_ids`), an answer per question marked by `Question.is_answer_correct`, and the score
and pass computed as on submission; a passed knowledge check completes its module.

Every part is idempotent: a second run writes nothing (it only moves the rehearsal forward once its
start is no longer within the hour).
"""

import datetime
import json
import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.db import connection, transaction

from attendance.demo import seed_attendance_demo
from attendance.models import CheckIn
from meetings.demo import BANGKOK, CHIANGMAI_CODE, LAMPANG_CODE, seed_meetings_demo, seed_rehearsal_meetings
from registration.demo import seed_registration_demo, seed_rehearsal_registrations
from registration.models import Registration
from training.models import Answer, Attempt, AttemptStatus, CertificateRule, Choice, Module, ModuleProgress, Question, QuestionKind, Quiz, QuizKind
from training.models.quizzes import shuffled_question_ids
from training.services.certificates import issue_certificates_for_session

CONTENT_DIR = Path(__file__).resolve().parent / "demo_content"


def _questions(quiz, items):
    return [
        (Question(quiz=quiz, order=i, kind=q["kind"], text=q["text"], explanation=q.get("explanation", "")), q["choices"])
        for i, q in enumerate(items, start=1)
    ]


def seed_training_demo(session):
    """Create what is missing; returns counts of what was created (zeros on a second run)."""
    created = {"training_modules": 0, "quizzes": 0, "questions": 0}
    if session.training_modules.exists() or session.quizzes.exists():
        return created
    content = json.loads((CONTENT_DIR / "content.json").read_text(encoding="utf-8"))
    agenda = {item.order: item for item in session.agenda_items.all()}
    modules = Module.objects.bulk_create(
        [
            Module(
                session=session,
                agenda_item=agenda.get(m["order"]),
                order=m["order"],
                title=m["title"],
                summary=m.get("summary", ""),
                lesson=(CONTENT_DIR / m["lesson_file"]).read_text(encoding="utf-8"),
                estimated_minutes=m.get("estimated_minutes"),
            )
            for m in content["modules"]
        ]
    )
    quizzes = [
        Quiz(
            session=session,
            kind=QuizKind.PRETEST,
            title="แบบทดสอบก่อนเรียน (Pre-test)",
            instructions="ทำก่อนเริ่มการประชุม เพื่อวัดความรู้เดิม ทำได้ 1 ครั้ง ภายใน 15 นาที ผลคะแนนไม่มีผลต่อการได้รับเกียรติบัตร",
            pass_mark=60,
            max_attempts=1,
            time_limit_minutes=15,
        ),
        Quiz(
            session=session,
            kind=QuizKind.POSTTEST,
            title="แบบทดสอบหลังเรียน (Post-test)",
            instructions="ทำหลังจบการประชุม ต้องได้คะแนนอย่างน้อยร้อยละ 70 จึงจะผ่าน ทำได้ไม่เกิน 2 ครั้ง ครั้งละ 20 นาที",
            pass_mark=70,
            max_attempts=2,
            time_limit_minutes=20,
        ),
    ] + [
        Quiz(
            session=session,
            kind=QuizKind.CHECK,
            module=module,
            title=f"แบบทดสอบท้ายบทที่ {module.order}",
            instructions="ทบทวนความเข้าใจหลังอ่านบทเรียน ทำได้ไม่จำกัดจำนวนครั้ง ผ่านเมื่อได้คะแนนอย่างน้อยร้อยละ 60",
            pass_mark=60,
            max_attempts=None,
        )
        for module in modules
    ]
    quizzes = Quiz.objects.bulk_create(quizzes)
    pending = _questions(quizzes[0], content["pretest"]) + _questions(quizzes[1], content["posttest"])
    for quiz, module_content in zip(quizzes[2:], content["modules"], strict=True):
        pending += _questions(quiz, module_content["questions"])
    questions = Question.objects.bulk_create([q for q, _c in pending])
    Choice.objects.bulk_create(
        [
            Choice(question=question, order=j, text=c["text"], is_correct=bool(c["correct"]))
            for question, (_q, choices) in zip(questions, pending, strict=True)
            for j, c in enumerate(choices, start=1)
        ]
    )
    CertificateRule.objects.get_or_create(
        session=session,
        defaults={
            "require_checkin": True,
            "require_posttest_passed": True,
            "issuer": session.organiser_department,
            "signatory_name": session.chair_name,
            "signatory_title": "รองอธิบดีกรมการพัฒนาชุมชน ปฏิบัติราชการแทนอธิบดีกรมการพัฒนาชุมชน",
        },
    )
    created.update(training_modules=len(modules), quizzes=len(quizzes), questions=len(questions))
    return created


# --- the day's results ------------------------------------------------------------------------

RNG_SEED = "prachum-demo-training"
DAY = datetime.datetime(2021, 11, 25, tzinfo=BANGKOK)
# The central organiser issued the certificates in one batch that afternoon.
CERTIFICATES_ISSUED_AT = DAY.replace(hour=16, minute=30)


def _at(hour, minute=0):
    return DAY + datetime.timedelta(hours=hour, minutes=minute)


class _Bank:
    """One quiz with its questions and choices in memory, to draw attempts from."""

    def __init__(self, quiz):
        self.quiz = quiz
        questions = list(quiz.questions.all())  # in order (Question's default ordering), choices prefetched
        self.ids = [q.pk for q in questions]
        self.by_id = {q.pk: q for q in questions}
        self.choices = {
            q.pk: (sorted(c.pk for c in q.choices.all() if c.is_correct), sorted(c.pk for c in q.choices.all() if not c.is_correct))
            for q in questions
        }
        self._marks = {}

    def picked(self, rng, qid, knows):
        """The choice ids a person who knows the answer with probability `knows` submits (sorted, as stored)."""
        right, wrong = self.choices[qid]
        if rng.random() < knows or not wrong:
            return right
        if self.by_id[qid].kind == QuestionKind.MULTIPLE and len(right) > 1 and rng.random() < 0.5:
            return right[:-1]  # forgot one of the right answers
        return [rng.choice(wrong)]

    def is_correct(self, qid, picked):
        """`Question.is_answer_correct`, asked once for each different answer to a question."""
        key = (qid, tuple(picked))
        if key not in self._marks:
            self._marks[key] = self.by_id[qid].is_answer_correct(picked)
        return self._marks[key]


def _score(correct, total):
    """The score in percent, rounded as the quiz service rounds it on submission."""
    return (Decimal(correct * 100) / Decimal(total)).quantize(Decimal("0.01"), ROUND_HALF_UP) if total else Decimal(0)


def _attempt(rng, bank, registration, number, started, knows):
    """A submitted attempt (unsaved) and its answers as (question id, choice ids, correct, saved at)."""
    quiz = bank.quiz
    seed = rng.randrange(2**31)
    question_ids = shuffled_question_ids(quiz, bank.ids, seed)
    deadline = started + datetime.timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None
    timed_out = deadline is not None and rng.random() < 0.03
    if timed_out:
        submitted = deadline + datetime.timedelta(seconds=rng.randint(6, 50))
        answered = len(question_ids) - rng.randint(1, 3)  # ran out of time before the last questions
    else:
        limit = quiz.time_limit_minutes or 15
        submitted = started + datetime.timedelta(seconds=rng.randint(150, max(151, limit * 60 - 60)))
        answered = len(question_ids)
    rows, correct = [], 0
    step = (submitted - started) / (len(question_ids) + 1)
    for position, qid in enumerate(question_ids):
        picked = bank.picked(rng, qid, knows) if position < answered else []
        right = bank.is_correct(qid, picked)
        correct += right
        rows.append((qid, picked, right, started + step * (position + 1) if picked else submitted))
    score = _score(correct, len(question_ids))
    attempt = Attempt(
        quiz=quiz,
        registration_id=registration.pk,
        number=number,
        seed=seed,
        question_ids=question_ids,
        status=AttemptStatus.SUBMITTED,
        started_at=started,
        deadline=deadline,
        submitted_at=submitted,
        timed_out=timed_out,
        correct_count=correct,
        question_count=len(question_ids),
        score=score,
        passed=score >= quiz.pass_mark,
    )
    return attempt, rows


def _clamp(value, low=0.05, high=0.97):
    return max(low, min(high, value))


def seed_training_history(session, *, actor):
    """What the session's participants did on the day: quiz attempts, module progress and the certificates
    the rule grants (issued by `actor`). Call after the check-ins are in. Nothing when attempts exist."""
    created = {"quiz_attempts": 0, "module_progress": 0, "certificates": 0}
    quizzes = list(Quiz.objects.filter(session=session).select_related("module").prefetch_related("questions__choices"))
    if not quizzes or Attempt.objects.filter(quiz__session=session).exists():
        return created
    rng = random.Random(RNG_SEED)
    banks = {q.kind: _Bank(q) for q in quizzes if q.kind != QuizKind.CHECK}
    checks = sorted((_Bank(q) for q in quizzes if q.kind == QuizKind.CHECK), key=lambda b: b.quiz.module.order)
    agenda = {item.order: item for item in session.agenda_items.all()}

    registrations = list(session.registrations.select_related("role").order_by("pk"))
    present = set(session.checkins.values_list("registration_id", flat=True))
    province_ids = sorted({r.province_id for r in registrations})
    # What each province knew before, and how much it learned: the gain differs from province to province.
    before = {pid: rng.uniform(0.4, 0.62) for pid in province_ids}
    gain = {pid: rng.uniform(0.1, 0.35) for pid in province_ids}
    for pid in rng.sample(province_ids, 3):
        gain[pid] = rng.uniform(0.38, 0.45)
    for pid in rng.sample(province_ids, 3):
        gain[pid] = rng.uniform(0.0, 0.06)

    attempts, progress = [], []

    def take(bank, registration, number, started, knows):
        attempt, rows = _attempt(rng, bank, registration, number, started, knows)
        attempts.append((attempt, rows))
        return attempt

    for registration in registrations:
        officer = registration.role.code != "committee"
        knew = _clamp(before[registration.province_id] + (0.12 if officer else 0) + rng.gauss(0, 0.1))
        learned = _clamp(knew + gain[registration.province_id] + rng.gauss(0, 0.07))
        came = registration.pk in present
        if rng.random() < (0.85 if came else 0.5):
            # The pre-test: that morning before the meeting, or the evening before.
            started = _at(7, rng.uniform(30, 88)) if rng.random() < 0.85 else _at(-5, rng.uniform(0, 240))
            take(banks[QuizKind.PRETEST], registration, 1, started, knew)
        if not came and rng.random() >= 0.03:
            continue
        if came and rng.random() < 0.25:
            # Knowledge checks after each agenda topic; a passed check completes its module.
            for bank in checks:
                item = agenda.get(bank.quiz.module.order)
                if item is None or rng.random() >= 0.8:
                    continue
                ends = item.starts_at + datetime.timedelta(minutes=item.duration_minutes or 40)
                opened = item.starts_at + datetime.timedelta(minutes=rng.uniform(0, 10))
                started = ends + datetime.timedelta(minutes=rng.triangular(0, 90, 5))
                attempt = take(bank, registration, 1, started, (knew + learned) / 2)
                if not attempt.passed and rng.random() < 0.5:
                    attempt = take(bank, registration, 2, attempt.submitted_at + datetime.timedelta(minutes=rng.uniform(1, 10)), learned)
                done = attempt.submitted_at if attempt.passed else None
                progress.append(ModuleProgress(registration=registration, module=bank.quiz.module, opened_at=opened, completed_at=done))
        elif came and rng.random() < 0.3:
            for bank in checks[: rng.randint(1, len(checks))]:
                item = agenda.get(bank.quiz.module.order)
                opened = (item.starts_at if item else _at(9, 15)) + datetime.timedelta(minutes=rng.uniform(0, 30))
                progress.append(ModuleProgress(registration=registration, module=bank.quiz.module, opened_at=opened))
        if rng.random() < 0.9:
            # The post-test after the meeting closed at noon; a second attempt for most who failed.
            started = _at(11, 55) + datetime.timedelta(minutes=rng.triangular(0, 180, 10))
            attempt = take(banks[QuizKind.POSTTEST], registration, 1, started, learned)
            if not attempt.passed and rng.random() < 0.75:
                take(
                    banks[QuizKind.POSTTEST],
                    registration,
                    2,
                    attempt.submitted_at + datetime.timedelta(minutes=rng.uniform(5, 90)),
                    _clamp(learned + 0.08),
                )

    Attempt.objects.bulk_create([attempt for attempt, _rows in attempts], batch_size=500)
    Answer.objects.bulk_create(
        [
            Answer(attempt_id=attempt.pk, question_id=qid, choice_ids=picked, is_correct=right, saved_at=saved)
            for attempt, rows in attempts
            for qid, picked, right, saved in rows
        ],
        batch_size=1000,
    )
    ModuleProgress.objects.bulk_create(progress, batch_size=500)
    created.update(quiz_attempts=len(attempts), module_progress=len(progress))
    # Thousands of rows arrived at once: give the query planner their statistics (SQLite has none until
    # ANALYZE, and then picks a slow plan for the certificate rule's query).
    with connection.cursor() as cursor:
        for model in (Registration, CheckIn, Attempt, Answer, ModuleProgress):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    if not session.certificates.exists():
        created["certificates"] = issue_certificates_for_session(session=session, actor=actor)
        session.certificates.update(issued_at=CERTIFICATES_ISSUED_AT)
    return created


# --- the whole demo ---------------------------------------------------------------------------

REHEARSAL_HOWTO = (
    "Scan a badge: sign in as lampang, open the rehearsal's registrations, download Badges (PDF) and scan one at Check-in → Desk scanner (Lampang venue).",
    "Check in by venue QR: open a Lampang person's personal link (registrations → the person → Personal link) on a phone, then scan Check-in → Venue QR screen with it.",
    "Learn and get a certificate: on that personal page take the pre-test, the four modules and the post-test (70% passes), then claim the certificate.",
)


@transaction.atomic
def seed_demo(*, now=None):
    """The whole demo, each app seeding its own part: the session of 25 November 2564 with its venues,
    agenda, quotas and logins, its 2,660 participants, the four training modules, the morning's
    check-ins and the day's quiz results and certificates; and the rehearsal beside it, starting
    within the hour of `now`, open for registration and check-in. Idempotent.

    Returns (session, {what: how many were created}).
    """
    plan = seed_meetings_demo()
    created = dict(plan.created)
    created.update(seed_registration_demo(plan))
    created.update(seed_training_demo(plan.session))
    created.update(seed_attendance_demo(plan))
    created.update(seed_training_history(plan.session, actor=plan.organiser))
    rehearsal = seed_rehearsal_meetings(organiser=plan.organiser, now=now)
    created.update(rehearsal.created)
    created.update(seed_rehearsal_registrations(rehearsal, officers={LAMPANG_CODE: plan.lampang_officer, CHIANGMAI_CODE: plan.chiangmai_officer}))
    created.update({f"rehearsal_{what}": n for what, n in seed_training_demo(rehearsal.session).items()})
    return plan.session, created
