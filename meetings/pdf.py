"""PDF printables (badges, lists, sign-in sheets, certificates) with WeasyPrint and Sarabun."""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from weasyprint import HTML


def _static_base_url():
    # WeasyPrint resolves relative URLs (fonts, CSS) against the static source folder.
    css = finders.find("css/sarabun.css")
    base = css.rsplit("css/sarabun.css", 1)[0] if css else str(settings.BASE_DIR / "static") + "/"
    return "file://" + base


def render_pdf(template_name, context, request=None):
    """Render a template (which should extend print/base.html) to PDF bytes."""
    return html_to_pdf(render_to_string(template_name, context, request=request))


def html_to_pdf(html):
    return HTML(string=html, base_url=_static_base_url()).write_pdf()


def pdf_response(pdf_bytes, filename, inline=True):
    response = HttpResponse(pdf_bytes, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
