"""The demo session's four modules, their knowledge checks, the pre-test and the post-test.

Written in Thai for this project from the seed's four agenda topics (training/demo_content/);
every lesson opens with a note that it is sample content for the department to review, and staff
can edit all of it. Loading is idempotent and uses bulk_create so the demo seed stays fast.
"""

import json
from pathlib import Path

from meetings.demo import seed_meetings_demo
from registration.demo import seed_registration_demo
from training.models import CertificateRule, Choice, Module, Question, Quiz, QuizKind

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


def seed_demo():
    """The whole demo, each app seeding its own part: the session with its venues, agenda, quotas
    and logins; its 2,660 participants; the four training modules. Idempotent.

    Returns (session, {what: how many were created}).
    """
    plan = seed_meetings_demo()
    created = dict(plan.created)
    created.update(seed_registration_demo(plan))
    created.update(seed_training_demo(plan.session))
    return plan.session, created
