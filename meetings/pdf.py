"""PDF printables (badges, lists, sign-in sheets, certificates) with WeasyPrint and Sarabun.

Thai is written without spaces, so WeasyPrint breaks a line wherever its word list allows, and a
surname made of words (แก้วดีงาม) splits across lines in a narrow cell. Printables therefore show a
name as two unbreakable parts, prefix and first name, then surname (``unbroken_name`` in
meetings/templatetags/printables.py), in columns wide enough for them.
"""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from weasyprint import HTML

from meetings.exports import text_width


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


# Sarabun's widest letters are about 0.25 mm wide per point of type (bold; ม, ฒ, ฬ); most Thai letters
# take 0.21. Vowel and tone marks above and below a letter take no width.
MM_PER_LETTER_PER_PT = 0.25


def name_parts(person):
    """(prefix and first name, surname): the two pieces of a name that must never break inside."""
    return [part for part in (f"{person.prefix}{person.first_name}", person.last_name) if part]


def fitting_size(texts, width_mm, sizes):
    """The largest font size (points) in `sizes` at which the longest of `texts` fits `width_mm`."""
    sizes = sorted(sizes, reverse=True)
    longest = max((text_width(text) for text in texts), default=0)
    for size in sizes:
        if longest * size * MM_PER_LETTER_PER_PT <= width_mm:
            return size
    return sizes[-1]
