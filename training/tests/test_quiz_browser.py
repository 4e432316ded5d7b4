"""In a real browser on a phone-sized screen: answers are saved as they change, survive a reload, and submit."""

import pytest

from meetings.tests.factories import make_session, make_venue
from registration.tests.factories import make_registration
from training.models import Answer, Attempt, AttemptStatus, Quiz, QuizKind
from training.services.quizzes import start_attempt
from training.tests.conftest import add_question, token_of

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_answers_autosave_survive_a_reload_and_submit(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM runs next to Playwright's event loop
    session = make_session()
    # One attempt: submitting it is the last attempt, so the key is shown.
    quiz = Quiz.objects.create(session=session, kind=QuizKind.POSTTEST, title="แบบทดสอบหลังเรียน", time_limit_minutes=20, max_attempts=1)
    add_question(quiz, "single", "ข้อหนึ่ง", correct=(2,))
    add_question(quiz, "multiple", "ข้อสอง", correct=(1, 3))
    attendee = make_registration(session, "TH-52", venue=make_venue(session, "TH-52"))
    attempt = start_attempt(quiz=quiz, registration=attendee)
    single = quiz.questions.get(text="ข้อหนึ่ง")
    picked = single.choices.get(order=3)
    url = f"{live_server.url}/p/{token_of(attendee)}/learn/attempts/{attempt.pk}/"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="th-TH", viewport={"width": 390, "height": 844}, is_mobile=True)
            page = context.new_page()
            page.goto(url)
            assert page.locator("#timer").inner_text().startswith(("19:", "20:"))
            page.check(f"#c{picked.pk}")
            page.locator(f'fieldset[data-question="{single.pk}"] .save-status', has_text="บันทึกแล้ว").wait_for()
            page.reload()
            assert page.is_checked(f"#c{picked.pk}")
            assert page.locator("#answered-count").inner_text() == "1"
            page.on("dialog", lambda dialog: dialog.accept())
            page.click("#submit-button")
            page.get_by_text("เฉลยและคำอธิบาย").wait_for()
            assert "ส่งคำตอบเรียบร้อยแล้ว" in page.content()
        finally:
            browser.close()

    attempt = Attempt.objects.get(pk=attempt.pk)
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.correct_count == 0
    assert Answer.objects.get(attempt=attempt, question=single).choice_ids == [picked.pk]
