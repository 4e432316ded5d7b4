"""Authoring by central staff: modules, quizzes, questions with choices, XLSX import (all or nothing) and export."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from meetings.tests.factories import PASSWORD, thai_datetime_post
from training import spreadsheets
from training.models import Module, Question, Quiz
from training.services import TrainingError
from training.services.authoring import import_questions
from training.services.quizzes import start_attempt, submit_attempt
from training.tests.conftest import token_of

pytestmark = pytest.mark.django_db


def _xlsx(rows, header=True):
    workbook = Workbook()
    sheet = workbook.active
    if header:
        sheet.append(spreadsheets.headers())
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("q.xlsx", buffer.getvalue())


def _row(kind, text, choices, correct, explanation=""):
    cells = list(choices) + [None] * (spreadsheets.MAX_CHOICES - len(choices))
    return [None, kind, text, *cells, correct, explanation]


@pytest.fixture
def staff_client(client, central_organiser):
    client.login(username=central_organiser.username, password=PASSWORD)
    return client


def test_import_adds_every_question_type(posttest):
    before = posttest.questions.count()
    upload = _xlsx(
        [
            _row("single", "คำถาม ก", ["หนึ่ง", "สอง", "สาม"], "2", "เพราะสอง"),
            _row("multiple", "คำถาม ข", ["หนึ่ง", "สอง", "สาม"], "1,3"),
            _row("truefalse", "คำถาม ค", [], "ผิด"),
            _row("ถูก/ผิด", "คำถาม ง", ["ถูก", "ผิด"], 1),
        ]
    )
    assert import_questions(quiz=posttest, file=upload) == 4
    assert posttest.questions.count() == before + 4
    b = posttest.questions.get(text="คำถาม ข")
    assert [c.is_correct for c in b.choices.all()] == [True, False, True]
    c = posttest.questions.get(text="คำถาม ค")
    assert [(x.text, x.is_correct) for x in c.choices.all()] == [("ถูก", False), ("ผิด", True)]
    assert posttest.questions.get(text="คำถาม ก").explanation == "เพราะสอง"


def test_import_is_all_or_nothing_with_errors_per_row(posttest):
    before = Question.objects.count()
    upload = _xlsx(
        [
            _row("single", "ดี", ["ก", "ข"], "1"),
            _row("single", "สองข้อถูก", ["ก", "ข"], "1,2"),
            _row("weird", "ประเภทผิด", ["ก", "ข"], "1"),
            _row("single", "", ["ก", "ข"], "1"),
            _row("multiple", "เลขเกิน", ["ก", "ข"], "5"),
            _row("single", "ไม่มีเฉลย", ["ก", "ข"], ""),
        ]
    )
    with pytest.raises(TrainingError) as error:
        import_questions(quiz=posttest, file=upload)
    assert [row for row, _m in error.value.details] == [3, 4, 5, 6, 7]
    assert "นำเข้า" in error.value.message
    assert Question.objects.count() == before


def test_import_rejects_a_file_that_is_not_xlsx(posttest):
    with pytest.raises(TrainingError) as error:
        import_questions(quiz=posttest, file=SimpleUploadedFile("q.xlsx", b"not a zip"))
    assert "Excel" in error.value.details[0][1]


def test_replace_is_refused_once_someone_took_the_quiz(posttest, attendee):
    start_attempt(quiz=posttest, registration=attendee)
    before = list(posttest.questions.values_list("pk", flat=True))
    with pytest.raises(TrainingError) as error:
        import_questions(quiz=posttest, file=_xlsx([_row("single", "ใหม่", ["ก", "ข"], "1")]), replace=True)
    assert error.value.code == "has_attempts"
    assert list(posttest.questions.values_list("pk", flat=True)) == before


def test_export_then_import_round_trips(staff_client, session, posttest):
    response = staff_client.get(f"/training/sessions/{session.pk}/quizzes/{posttest.pk}/questions.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert len(rows) == 1 + posttest.questions.count()
    copy = Quiz.objects.create(session=session, kind="pretest", title="สำเนา")
    import_questions(quiz=copy, file=SimpleUploadedFile("q.xlsx", response.content))
    original = [(q.kind, q.text, [(c.text, c.is_correct) for c in q.choices.all()]) for q in posttest.questions.all()]
    copied = [(q.kind, q.text, [(c.text, c.is_correct) for c in q.choices.all()]) for q in copy.questions.all()]
    assert copied == original


def test_import_page_shows_row_errors_and_writes_nothing(staff_client, session, posttest):
    before = Question.objects.count()
    upload = _xlsx([_row("single", "สองข้อถูก", ["ก", "ข"], "1,2")])
    response = staff_client.post(f"/training/sessions/{session.pk}/quizzes/{posttest.pk}/import/", {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert "แถวที่ 2" in html and "เพียงข้อเดียว" in html
    assert Question.objects.count() == before


def test_question_form_enforces_the_choice_rule(staff_client, session, posttest):
    url = f"/training/sessions/{session.pk}/quizzes/{posttest.pk}/questions/new/"
    before = Question.objects.count()
    bad = {"kind": "single", "text": "ข้อใหม่", "choice_1": "ก", "choice_2": "ข", "correct_1": "on", "correct_2": "on"}
    response = staff_client.post(url, bad)
    assert response.status_code == 200 and "เพียงข้อเดียว" in response.content.decode()
    assert Question.objects.count() == before
    good = {"kind": "multiple", "text": "ข้อใหม่", "choice_1": "ก", "choice_2": "ข", "choice_3": "ค", "correct_1": "on", "correct_3": "on"}
    assert staff_client.post(url, good).status_code == 302
    question = Question.objects.get(text="ข้อใหม่")
    assert [c.is_correct for c in question.choices.all()] == [True, False, True]


def test_editing_a_question_keeps_unchanged_choices(staff_client, session, posttest):
    question = posttest.questions.get(text="ข้อหนึ่ง")
    kept = question.choices.get(order=1).pk
    url = f"/training/sessions/{session.pk}/quizzes/{posttest.pk}/questions/{question.pk}/"
    data = {"kind": "single", "text": "ข้อหนึ่ง (แก้)", "choice_1": "ตัวเลือก 1", "choice_2": "ใหม่", "correct_2": "on"}
    assert staff_client.post(url, data).status_code == 302
    question.refresh_from_db()
    assert question.text == "ข้อหนึ่ง (แก้)"
    assert [(c.pk == kept, c.text, c.is_correct) for c in question.choices.all()] == [(True, "ตัวเลือก 1", False), (False, "ใหม่", True)]


def test_question_without_answers_is_deleted(staff_client, session, posttest):
    question = posttest.questions.first()
    response = staff_client.post(f"/training/sessions/{session.pk}/quizzes/{posttest.pk}/questions/{question.pk}/delete/")
    assert response.status_code == 302
    assert not Question.objects.filter(pk=question.pk).exists()


def test_question_with_answers_cannot_be_deleted(staff_client, session, posttest, attendee):
    attempt = start_attempt(quiz=posttest, registration=attendee)
    submit_attempt(registration=attendee, attempt_id=attempt.pk, answers={})
    question = posttest.questions.first()
    url = f"/training/sessions/{session.pk}/quizzes/{posttest.pk}/questions/{question.pk}/delete/"
    response = staff_client.post(url, follow=True)
    assert response.status_code == 200 and "แก้ไขแทน" in response.content.decode()
    assert Question.objects.filter(pk=question.pk).exists()


def test_staff_create_and_edit_a_module_then_attendee_sees_it(staff_client, session, attendee):
    agenda = session.agenda_items.create(order=1, title="วาระที่ 1")
    data = {"order": 1, "title": "บทใหม่", "agenda_item": agenda.pk, "lesson": "## หัวข้อ\n\nเนื้อหา", "is_published": "on"}
    response = staff_client.post(f"/training/sessions/{session.pk}/modules/new/", data)
    assert response.status_code == 302
    module = Module.objects.get(title="บทใหม่")
    assert module.agenda_item == agenda
    html = staff_client.get(f"/p/{token_of(attendee)}/learn/modules/{module.pk}/").content.decode()
    assert "<h2>หัวข้อ</h2>" in html
    duplicate = staff_client.post(f"/training/sessions/{session.pk}/modules/new/", {**data, "title": "ซ้ำ"})
    assert duplicate.status_code == 200 and not Module.objects.filter(title="ซ้ำ").exists()


def test_staff_create_a_quiz_and_the_rules_hold(staff_client, session, module, posttest):
    url = f"/training/sessions/{session.pk}/quizzes/new/"
    base = {"title": "ท้ายบท", "pass_mark": 60, "shuffle_questions": "on", "shuffle_choices": "on", "is_published": "on"}
    assert staff_client.post(url, {**base, "kind": "check"}).status_code == 200  # no module
    assert staff_client.post(url, {**base, "kind": "posttest"}).status_code == 200  # already one
    bad_window = {
        **base,
        "kind": "pretest",
        **thai_datetime_post("opens_at", "2026-12-02T09:00"),
        **thai_datetime_post("closes_at", "2026-12-01T09:00"),
    }
    assert staff_client.post(url, bad_window).status_code == 200
    assert staff_client.post(url, {**base, "kind": "check", "module": module.pk}).status_code == 302
    assert Quiz.objects.filter(kind="check", module=module).exists()
    assert not Quiz.objects.filter(kind="pretest").exists()
