"""Modules: sanitised Markdown lessons, attachments behind the personal link, progress, and the demo content."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from training.demo import seed_demo
from training.markdown import render_markdown
from training.models import CertificateRule, Module, ModuleProgress, Question, Quiz, QuizKind
from training.models.quizzes import check_question
from training.services.authoring import add_attachment
from training.tests.conftest import token_of

pytestmark = pytest.mark.django_db


def test_markdown_renders_and_raw_html_is_removed():
    html = render_markdown(
        "## หัวข้อ\n\n**ตัวหนา** [ลิงก์](https://example.org)\n\n<script>alert(1)</script>\n"
        '<img src="x" onerror="alert(2)">\n\n[bad](javascript:alert(3))\n\n<iframe src="https://evil"></iframe>'
    )
    assert "<h2>หัวข้อ</h2>" in html and "<strong>ตัวหนา</strong>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer"' in html
    for bad in ("<script", "alert(1)", "onerror", "javascript:", "<iframe"):
        assert bad not in html


def test_lesson_page_shows_sanitised_lesson_and_records_opening(client, module, attendee):
    module.lesson = "# บท\n\n<script>steal()</script>ข้อความ"
    module.save()
    response = client.get(f"/p/{token_of(attendee)}/learn/modules/{module.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "steal()" not in html and "ข้อความ" in html
    progress = ModuleProgress.objects.get(registration=attendee, module=module)
    assert progress.opened_at and progress.completed_at is None
    client.get(f"/p/{token_of(attendee)}/learn/modules/{module.pk}/")
    assert ModuleProgress.objects.filter(registration=attendee).count() == 1


def test_attendee_marks_a_module_completed(client, module, attendee):
    response = client.post(f"/p/{token_of(attendee)}/learn/modules/{module.pk}/complete/")
    assert response.status_code == 302
    assert ModuleProgress.objects.get(registration=attendee, module=module).completed_at is not None


def test_attachment_is_served_only_through_a_personal_link(client, module, attendee, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    attachment = add_attachment(module=module, title="สไลด์", file=SimpleUploadedFile("slides.pdf", b"%PDF-1.4 test"))
    url = f"/p/{token_of(attendee)}/learn/modules/{module.pk}/files/{attachment.pk}/"
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert client.get(url.replace(token_of(attendee), token_of(attendee)[:-2] + "xx")).status_code == 404


def test_video_link_is_shown(client, module, attendee):
    module.video_url = "https://www.youtube.com/watch?v=abc"
    module.save()
    html = client.get(f"/p/{token_of(attendee)}/learn/modules/{module.pk}/").content.decode()
    assert 'href="https://www.youtube.com/watch?v=abc"' in html


def test_unpublished_module_is_404_for_attendees(client, module, attendee):
    module.is_published = False
    module.save()
    assert client.get(f"/p/{token_of(attendee)}/learn/modules/{module.pk}/").status_code == 404


def test_personal_page_lists_modules_quizzes_and_certificate(client, module, check, pretest, posttest, attendee):
    CertificateRule.objects.create(session=attendee.session)
    html = client.get(f"/p/{token_of(attendee)}/").content.decode()
    for text in (module.title, check.title, pretest.title, posttest.title, "เกียรติบัตร", "ยังไม่ได้ทำ"):
        assert text in html


def test_demo_has_four_modules_linked_to_the_agenda_with_sound_questions():
    session, created = seed_demo()
    assert created["training_modules"] == 4
    modules = list(Module.objects.filter(session=session).select_related("agenda_item"))
    assert [m.order for m in modules] == [1, 2, 3, 4]
    for module in modules:
        assert module.agenda_item.session_id == session.pk and module.agenda_item.order == module.order
        assert module.lesson.startswith(">"), "every lesson opens with the sample-content note"
        assert "ตรวจทาน" in module.lesson.splitlines()[0]
        check = Quiz.objects.get(kind=QuizKind.CHECK, module=module)
        assert check.questions.count() >= 10
    assert Quiz.objects.get(session=session, kind=QuizKind.PRETEST).questions.count() >= 10
    assert Quiz.objects.get(session=session, kind=QuizKind.POSTTEST).questions.count() >= 10
    for question in Question.objects.filter(quiz__session=session).prefetch_related("choices"):
        pairs = [(c.text, c.is_correct) for c in question.choices.all()]
        assert check_question(question.kind, pairs) == [], question.text
    assert "280,000" in modules[1].lesson


def test_demo_training_seed_is_idempotent():
    seed_demo()
    counts = (Module.objects.count(), Quiz.objects.count(), Question.objects.count())
    _, created = seed_demo()
    assert created["training_modules"] == created["quizzes"] == created["questions"] == 0
    assert (Module.objects.count(), Quiz.objects.count(), Question.objects.count()) == counts
