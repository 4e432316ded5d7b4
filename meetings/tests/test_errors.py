"""The one domain error type and its two mappings: a page message and a JSON answer."""

import json

from django import forms
from django.contrib.messages import ERROR, get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from meetings.errors import DomainError, add_error_message, add_form_error, error_json


def _request():
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_domain_error_keeps_message_code_and_details():
    error = DomainError(_("Session not found"), code="not_found", details={"field": "title"})
    assert error.code == "not_found"
    assert error.details == {"field": "title"}
    assert str(error) == str(_("Session not found"))


def test_domain_error_details_default_to_none():
    assert DomainError("x", code="y").details is None


def test_lazy_message_is_translated_when_shown_not_when_raised():
    error = DomainError(_("This field is required."), code="required")
    with translation.override("th"):
        thai = str(error.message)
    with translation.override("en"):
        english = str(error.message)
    assert english == "This field is required."
    assert thai != english


def test_add_error_message_adds_the_text_at_error_level():
    request = _request()
    add_error_message(request, DomainError("ห้องเต็ม", code="full"))
    [message] = list(get_messages(request))
    assert message.level == ERROR
    assert message.message == "ห้องเต็ม"


def test_error_json_answers_code_message_and_details():
    with translation.override("en"):
        response = error_json(DomainError(_("Session not found"), code="not_found", details={"id": 3}))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"code": "not_found", "message": "Session not found", "details": {"id": 3}}


def test_error_json_takes_a_status_and_null_details():
    response = error_json(DomainError("หมดเวลา", code="closed"), status=409)
    assert response.status_code == 409
    assert json.loads(response.content) == {"code": "closed", "message": "หมดเวลา", "details": None}


def test_add_form_error_uses_the_field_in_details_when_the_form_has_it():
    class Form(forms.Form):
        title = forms.CharField(required=False)

    form = Form(data={})
    assert form.is_valid()
    add_form_error(form, DomainError("ใส่ชื่อ", code="title_missing", details={"field": "title"}))
    add_form_error(form, DomainError("ไม่มีช่องนี้", code="other", details={"field": "not_a_field"}))
    add_form_error(form, DomainError("ทั้งฟอร์ม", code="plain"))
    assert form.errors["title"] == ["ใส่ชื่อ"]
    assert form.non_field_errors() == ["ไม่มีช่องนี้", "ทั้งฟอร์ม"]
