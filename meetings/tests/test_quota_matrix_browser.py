"""The quota matrix in a real browser: "fill column" and the totals work as staff type."""

import pytest
from django.urls import reverse

from meetings.models import Quota, RoleCategory
from meetings.tests.factories import PASSWORD, make_session, make_user

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_fill_column_fills_every_province_updates_totals_and_saves(live_server):
    from playwright.sync_api import sync_playwright

    make_user("organiser", kind="central")
    session = make_session()
    officer = RoleCategory.objects.get(code="provincial_officer")
    login_url = live_server.url + reverse("login")
    matrix_url = live_server.url + reverse("meetings:quota_matrix", args=[session.pk])

    # Playwright's sync API runs an event loop in this thread, so the ORM stays outside this block.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="th-TH", viewport={"width": 1366, "height": 900}).new_page()
            page.goto(login_url)
            page.fill("input[name=username]", "organiser")
            page.fill("input[name=password]", PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_load_state()
            page.goto(matrix_url)
            page.fill(f"input[name=fill_{officer.pk}]", "2")
            values = page.locator(f'input.quota-cell[data-role="{officer.pk}"]').evaluate_all("cells => cells.map(c => c.value)")
            column_total = page.locator(f'.quota-col-total[data-role="{officer.pk}"]').inner_text()
            grand_total = page.locator("#quota-grand-total").inner_text()
            page.click("#quota-matrix button[type=submit]")
            page.wait_for_load_state()
            after_save = page.content()
        finally:
            browser.close()

    assert values == ["2"] * 77
    assert column_total == "154" and grand_total == "154"
    assert "บันทึกโควตาแล้ว" in after_save
    assert Quota.objects.filter(session=session, role=officer, seats=2).count() == 77
