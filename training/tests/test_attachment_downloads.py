"""Attachments are downloads, never pages of this site: an uploaded HTML or SVG file must not run its
scripts next to the attendee's personal pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from training.services.authoring import add_attachment
from training.tests.conftest import token_of

pytestmark = pytest.mark.django_db

SCRIPTED_HTML = b"<!doctype html><script>fetch('/p/')</script>"
SCRIPTED_SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


@pytest.fixture
def download(client, module, attendee, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    def fetch(name, content):
        attachment = add_attachment(module=module, title="เอกสาร", file=SimpleUploadedFile(name, content))
        response = client.get(f"/p/{token_of(attendee)}/learn/modules/{module.pk}/files/{attachment.pk}/")
        assert response.status_code == 200
        return response, b"".join(response.streaming_content)

    return fetch


@pytest.mark.parametrize(("name", "content"), [("handout.html", SCRIPTED_HTML), ("diagram.svg", SCRIPTED_SVG), ("page.htm", SCRIPTED_HTML)])
def test_uploaded_html_and_svg_come_back_as_opaque_downloads(download, name, content):
    response, body = download(name, content)
    assert body == content  # the file itself, unchanged
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_pdf_keeps_its_type_and_is_still_a_download(download):
    response, _ = download("slides.pdf", b"%PDF-1.4 test")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("photo.JPG", "image/jpeg"),
        ("chart.png", "image/png"),
        ("report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_types_on_the_allow_list_are_named(download, name, expected):
    response, _ = download(name, b"data")
    assert response["Content-Type"] == expected


def test_unknown_or_missing_extensions_are_octet_stream(download):
    assert download("run.js", b"alert(1)")[0]["Content-Type"] == "application/octet-stream"
    assert download("README", b"text")[0]["Content-Type"] == "application/octet-stream"


def test_a_thai_filename_is_encoded_as_rfc_6266_asks(download):
    response, _ = download("เอกสารประกอบ.pdf", b"%PDF-1.4")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "%E0%B9%80" in disposition  # "เ", percent-encoded UTF-8
