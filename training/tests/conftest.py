"""Training fixtures: a session with a module, quizzes of each kind, and attendees from two provinces."""

import pytest

from meetings.tests.factories import make_venue
from registration.tests.factories import make_registration
from registration.tokens import make_personal_token
from training.models import Module, Question, Quiz, QuizKind
from training.services.authoring import save_question


def add_question(quiz, kind="single", text=None, correct=(1,), n=4, explanation="", order=None):
    """A question whose choice n is correct when n is in `correct` (1-based)."""
    if kind == "truefalse":
        choices = [("ถูก", 1 in correct), ("ผิด", 2 in correct)]
    else:
        choices = [(f"ตัวเลือก {i}", i in correct) for i in range(1, n + 1)]
    return save_question(quiz=quiz, kind=kind, text=text or f"คำถามแบบ {kind}", explanation=explanation, choices=choices, order=order)


def correct_answers(attempt):
    return {
        str(q.pk): [c.pk for c in q.choices.all() if c.is_correct]
        for q in Question.objects.filter(pk__in=attempt.question_ids).prefetch_related("choices")
    }


def wrong_answers(attempt):
    return {
        str(q.pk): [next(c.pk for c in q.choices.all() if not c.is_correct)]
        for q in Question.objects.filter(pk__in=attempt.question_ids).prefetch_related("choices")
    }


@pytest.fixture
def module(session):
    return Module.objects.create(session=session, order=1, title="นโยบายของผู้บริหาร", lesson="## หัวข้อ\n\nเนื้อหา **สำคัญ**", estimated_minutes=20)


@pytest.fixture
def posttest(session):
    quiz = Quiz.objects.create(session=session, kind=QuizKind.POSTTEST, title="แบบทดสอบหลังเรียน", pass_mark=60, max_attempts=2)
    add_question(quiz, "single", "ข้อหนึ่ง", correct=(2,), explanation="คำอธิบายข้อหนึ่งXYZ")
    add_question(quiz, "multiple", "ข้อสอง", correct=(1, 3), explanation="คำอธิบายข้อสองXYZ")
    add_question(quiz, "truefalse", "ข้อสาม", correct=(2,), explanation="คำอธิบายข้อสามXYZ")
    add_question(quiz, "single", "ข้อสี่", correct=(4,))
    add_question(quiz, "single", "ข้อห้า", correct=(1,))
    return quiz


@pytest.fixture
def pretest(session):
    quiz = Quiz.objects.create(session=session, kind=QuizKind.PRETEST, title="แบบทดสอบก่อนเรียน", max_attempts=1)
    for i in range(4):
        add_question(quiz, "single", f"ก่อนเรียน {i}", correct=(1,))
    return quiz


@pytest.fixture
def check(session, module):
    quiz = Quiz.objects.create(session=session, kind=QuizKind.CHECK, module=module, title="แบบทดสอบท้ายบท", pass_mark=50)
    add_question(quiz, "single", "ท้ายบท 1", correct=(1,))
    add_question(quiz, "truefalse", "ท้ายบท 2", correct=(1,))
    return quiz


@pytest.fixture
def attendee(session):
    """A committee member from Lampang."""
    venue = make_venue(session, "TH-52")
    return make_registration(session, "TH-52", venue=venue, first_name="สมศรี", last_name="ใจงาม")


@pytest.fixture
def other_attendee(session):
    """A committee member from Chiang Mai."""
    venue = make_venue(session, "TH-50")
    return make_registration(session, "TH-50", venue=venue, first_name="บุญมี", last_name="ศรีสุข")


def token_of(registration):
    return make_personal_token(registration)
