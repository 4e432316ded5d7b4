"""Django's admin types and shows dates as the rest of the site does (meetings/fields.py): 25/11/2564 and
09:00, Buddhist era and 24-hour clock, not its own Christian-era calendar and AM/PM clock widgets."""

import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from meetings.fields import ThaiDateField, ThaiDateTimeField
from meetings.models import Session
from meetings.tests.factories import PASSWORD, make_session

pytestmark = pytest.mark.django_db

BANGKOK = ZoneInfo("Asia/Bangkok")
# Django's own date, date-time and time form fields: the admin shows them with its Christian-era widgets.
CHRISTIAN_ERA_FIELDS = (forms.DateField, forms.DateTimeField, forms.SplitDateTimeField, forms.TimeField)


class _FormData(HTMLParser):
    """What a browser posts for the page's `form_id` form as it stands: every input, select and textarea."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        elif not self.inside or "name" not in attrs and tag != "option":
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "button", "file", "checkbox", "radio"):
            self.data[attrs["name"]] = attrs.get("value") or ""
        elif tag == "input" and attrs.get("type") in ("checkbox", "radio") and "checked" in attrs:
            self.data[attrs["name"]] = attrs.get("value") or "on"
        elif tag == "select":
            self.select = attrs["name"]
            self.data.setdefault(self.select, "")
        elif tag == "option" and self.select and "selected" in attrs:
            self.data[self.select] = attrs.get("value") or ""
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.data[self.textarea] = ""

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def form_data(html, form_id):
    parser = _FormData(form_id)
    parser.feed(html)
    return {name: value.removeprefix("\n") for name, value in parser.data.items()}


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("operator", password=PASSWORD)


@pytest.fixture
def demo_day():
    return make_session(
        starts_at=datetime.datetime(2021, 11, 25, 9, 0, tzinfo=BANGKOK),
        ends_at=datetime.datetime(2021, 11, 25, 12, 0, tzinfo=BANGKOK),
        registration_closes_at=datetime.datetime(2021, 11, 24, 16, 30, tzinfo=BANGKOK),
    )


def change_url(session):
    return f"/admin/meetings/session/{session.pk}/change/"


def test_the_session_change_form_shows_buddhist_era_dates_and_24_hour_times(client, operator, demo_day):
    client.force_login(operator)
    page = client.get(change_url(demo_day)).content.decode()
    data = form_data(page, "session_form")
    assert (data["starts_at_0"], data["starts_at_1"]) == ("25/11/2564", "09:00")
    assert (data["ends_at_0"], data["ends_at_1"]) == ("25/11/2564", "12:00")
    assert (data["registration_closes_at_0"], data["registration_closes_at_1"]) == ("24/11/2564", "16:30")
    assert (data["registration_opens_at_0"], data["registration_opens_at_1"]) == ("", "")
    # No Christian-era calendar or AM/PM clock is attached (Django's admin JS looks for these classes).
    assert "vDateField" not in page and "vTimeField" not in page
    assert "2021" not in data["starts_at_0"]


def test_the_session_change_form_saves_a_buddhist_era_date(client, operator, demo_day):
    client.force_login(operator)
    data = form_data(client.get(change_url(demo_day)).content.decode(), "session_form")
    data.update({"starts_at_0": "26/11/2564", "starts_at_1": "13:30", "ends_at_0": "26/11/2564", "ends_at_1": "16:30"})
    response = client.post(change_url(demo_day), data)
    assert response.status_code == 302, response.content.decode()
    demo_day.refresh_from_db()
    assert demo_day.starts_at == datetime.datetime(2021, 11, 26, 13, 30, tzinfo=BANGKOK)
    assert demo_day.ends_at == datetime.datetime(2021, 11, 26, 16, 30, tzinfo=BANGKOK)
    assert demo_day.registration_closes_at == datetime.datetime(2021, 11, 24, 16, 30, tzinfo=BANGKOK)  # untouched


def test_a_christian_era_year_in_the_admin_is_refused_naming_the_buddhist_era_year(client, operator, demo_day):
    client.force_login(operator)
    data = form_data(client.get(change_url(demo_day)).content.decode(), "session_form")
    data.update({"starts_at_0": "26/11/2021"})
    response = client.post(change_url(demo_day), data, HTTP_ACCEPT_LANGUAGE="th")
    assert response.status_code == 200
    assert "ปี 2021 เป็นปี ค.ศ. กรุณาพิมพ์ปี พ.ศ. คือ 2564" in response.content.decode()
    assert Session.objects.get(pk=demo_day.pk).starts_at == demo_day.starts_at


def _admin_forms(request):
    """(where, form class) of every registered model's admin form and of its inlines' forms."""
    for model in apps.get_models():
        if not admin.site.is_registered(model):
            continue
        model_admin = admin.site.get_model_admin(model)
        yield model.__name__, model_admin.get_form(request)
        for inline in model_admin.get_inline_instances(request):
            yield f"{model.__name__} › {inline.model.__name__}", inline.get_formset(request).form


def _christian_era_inputs(request):
    return [
        f"{where}.{name}"
        for where, form in _admin_forms(request)
        for name, field in form.base_fields.items()
        if isinstance(field, CHRISTIAN_ERA_FIELDS)
    ]


def test_every_admin_form_and_inline_types_dates_the_thai_way(rf, operator):
    request = rf.get("/admin/")
    request.user = operator
    assert _christian_era_inputs(request) == []
    session_form = admin.site.get_model_admin(Session).get_form(request)
    assert isinstance(session_form.base_fields["starts_at"], ThaiDateTimeField)
    certificate_fields = admin.site.get_model_admin(apps.get_model("training", "Certificate")).get_form(request).base_fields
    assert isinstance(certificate_fields["session_date"], ThaiDateField)


def test_the_check_above_finds_an_admin_left_with_djangos_widgets(operator):
    """A plain ModelAdmin keeps Django's split date-time field: the check would name it."""
    request = RequestFactory().get("/admin/")
    request.user = operator
    plain = admin.ModelAdmin(Session, admin.site).get_form(request)
    assert isinstance(plain.base_fields["starts_at"], forms.SplitDateTimeField)
    assert isinstance(plain.base_fields["starts_at"], CHRISTIAN_ERA_FIELDS)


def test_an_untouched_date_with_a_default_of_now_does_not_count_as_changed(client, rf, operator):
    """The admin keeps the initial value of a field whose default is timezone.now in hidden inputs, and
    compares: read back in the Thai form, the value the form showed is not a change."""
    client.force_login(operator)
    page = client.get("/admin/training/moduleprogress/add/").content.decode()
    data = form_data(page, "moduleprogress_form")
    assert data["opened_at_0"] == data["initial-opened_at_0"] and "/25" in data["opened_at_0"]  # 2568, 2569, …
    request = rf.get("/admin/")
    request.user = operator
    form_class = admin.site.get_model_admin(apps.get_model("training", "ModuleProgress")).get_form(request)
    assert "opened_at" not in form_class(data).changed_data
    data["opened_at_1"] = "23:59" if data["opened_at_1"] != "23:59" else "00:00"
    assert "opened_at" in form_class(data).changed_data


def test_change_lists_show_dates_in_the_buddhist_era(client, settings):
    import datetime
    from zoneinfo import ZoneInfo

    from django.contrib.auth import get_user_model

    from meetings.tests.factories import PASSWORD, make_session

    make_session(starts_at=datetime.datetime(2021, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Bangkok")), title="การประชุม กข.คจ.")
    operator = get_user_model().objects.create_superuser("listoperator", password=PASSWORD)
    client.force_login(operator)
    page = client.get("/admin/meetings/session/").content.decode()
    assert "25 พ.ย. 2564 09.00 น." in page
    assert "2021" not in page.split("<table", 1)[-1].split("</table>", 1)[0]


def test_every_change_list_and_add_form_of_the_admin_opens(client, rf):
    from django.apps import apps
    from django.contrib import admin as django_admin
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from meetings.tests.factories import PASSWORD

    operator = get_user_model().objects.create_superuser("adminwalker", password=PASSWORD)
    client.force_login(operator)
    request = rf.get("/admin/")
    request.user = operator
    for model in [m for m in apps.get_models() if django_admin.site.is_registered(m)]:
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(url).status_code == 200, url
        if django_admin.site.get_model_admin(model).has_add_permission(request):
            add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            assert client.get(add).status_code == 200, add
