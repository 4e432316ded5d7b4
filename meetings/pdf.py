"""PDF printables (badges, lists, sign-in sheets, certificates) with WeasyPrint and Sarabun.

Thai is written without spaces, so WeasyPrint breaks a line wherever its word list allows, and a
surname made of words (แก้วดีงาม) splits across lines in a narrow cell. Printables therefore show a
name as two unbreakable parts, prefix and first name, then surname (``unbroken_name`` in
meetings/templatetags/printables.py), in columns wide enough for them.

A whole session's printables (thousands of badges, every venue's sign-in sheet) are made by background jobs
with ``render_pdfs``: the documents are laid out in parallel, one process per core, then joined into one
file (``PdfJoiner``, as they come) or packed into a ZIP (``zip_files``).
"""

import io
import itertools
import multiprocessing
import os
import tempfile
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from pypdf import PdfReader, PdfWriter
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

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


# --- many documents at once (background jobs) ------------------------------------------------------------

# The processes that lay documents out are forked from the job's worker: they receive HTML text and return
# PDF bytes, and never touch the database, so the worker's connections they inherit stay unused.
_FORK = multiprocessing.get_context("fork")
_process_fonts = None


def _start_pdf_process(temp_dir):
    """In each process of the pool: one font configuration for all its documents (loading the fonts anew for
    each document costs about 40 ms), its temporary font files in the job's folder, removed with it."""
    global _process_fonts
    tempfile.tempdir = temp_dir
    _process_fonts = FontConfiguration()


def _pdfs_of(documents, base_url):
    return [HTML(string=html, base_url=base_url).write_pdf(font_config=_process_fonts) for html in documents]


def render_pdfs(parts, *, on_done=None, workers=None):
    """PDF bytes of many HTML documents, laid out in parallel by a pool of processes (one per core).

    `parts` yields lists of HTML documents (a province's badges, a venue's sheet, a province's certificates),
    and may be a generator: the pool starts on the first parts while the caller prepares the next ones.
    `on_done(index, pdfs)` is called in this process as each part is finished (in any order): report
    progress there; an exception it raises stops the pool. Returns, in the order of `parts`, each part's PDFs."""
    parts = iter(parts)
    first = list(itertools.islice(parts, 2))
    workers = workers or os.cpu_count() or 1
    base_url = _static_base_url()
    if len(first) < 2 or workers < 2:
        # One part, or one core: no pool to start.
        results = []
        for index, documents in enumerate(itertools.chain(first, parts)):
            results.append([html_to_pdf(html) for html in documents])
            if on_done is not None:
                on_done(index, results[-1])
        return results
    with tempfile.TemporaryDirectory(prefix="prachum-pdf-") as temp_dir:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=_FORK, initializer=_start_pdf_process, initargs=(temp_dir,))
        try:
            futures = {pool.submit(_pdfs_of, documents, base_url): index for index, documents in enumerate(itertools.chain(first, parts))}
            results = [None] * len(futures)
            for future in as_completed(futures):
                index = futures[future]
                results[index] = future.result()
                if on_done is not None:
                    on_done(index, results[index])
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return results


class PdfJoiner:
    """Joins PDFs into one in a given order while they arrive in any order: each is appended as soon as
    those before it are in (WeasyPrint writes each document on its own; pypdf joins them). The first
    document's title stays the title."""

    def __init__(self):
        self._writer = PdfWriter()
        self._waiting = {}
        self._next = 0
        self._title = None

    def add(self, index, pdf):
        self._waiting[index] = pdf
        while self._next in self._waiting:
            reader = PdfReader(io.BytesIO(self._waiting.pop(self._next)))
            if self._title is None and reader.metadata is not None:
                self._title = reader.metadata.title
            self._writer.append(reader, import_outline=False)
            self._next += 1

    def result(self):
        if self._waiting:
            raise ValueError(f"PDF number {self._next} never arrived")
        if self._title:
            self._writer.add_metadata({"/Title": self._title})
        buffer = io.BytesIO()
        self._writer.write(buffer)
        return buffer.getvalue()


def zip_files(files):
    """A ZIP of `files`, (name, bytes) pairs. PDFs compress their own streams, so they are stored as they are."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in files:
            archive.writestr(name, content)
    return buffer.getvalue()


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
