"""A whole session's badges and registration list as background jobs (meetings/jobs.py).

One province's PDF is made in the request (registration/views.py); every province's, for central staff,
is thousands of people, so a worker makes it while the page shows its progress. The documents are laid out
in parallel, one process per core (meetings.pdf.render_pdfs), then joined into one PDF.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetings.jobs import JobResult, job_handler, job_language, start_session_job
from meetings.pdf import PdfJoiner, render_pdfs
from meetings.permissions import is_central
from registration.badges import badges_html, by_province, list_html
from registration.errors import RegistrationError
from registration.models import Registration, sorted_in_list_order

BADGES_KIND = "registration.badges"
LIST_KIND = "registration.list_pdf"
# Provinces are laid out together until a part holds this many badges (12 sheets): each document costs
# about 40 ms more than its pages, and a whole session has 77 provinces of about 35 people each.
BADGES_PER_PART = 96


def start_session_pdf_job(*, kind, session, actor):
    """Start the job making the badges (BADGES_KIND) or the list (LIST_KIND) of every province of `session`
    for central staff, or return the same person's job for it that is still waiting or running."""
    if not is_central(actor):
        raise RegistrationError(_("Only central staff print every province at once."), "not_central")
    title = {BADGES_KIND: gettext("Badges of every province (PDF)"), LIST_KIND: gettext("Registration list of every province (PDF)")}[kind]
    return start_session_job(kind=kind, session=session, actor=actor, title=title)


def _registrations(job):
    if job.created_by is None or not is_central(job.created_by):
        raise RegistrationError(_("Only central staff print every province at once."), "not_central")
    return sorted_in_list_order(Registration.objects.active().filter(session=job.session).select_related("province", "role", "venue"))


def _parts(groups, min_people):
    """Consecutive provinces gathered until a part holds at least `min_people` people (1: a part each)."""
    parts, part = [], []
    for group in groups:
        part.append(group)
        if sum(len(g["people"]) for g in part) >= min_people:
            parts.append(part)
            part = []
    if part or not parts:
        parts.append(part)  # no province at all: one document that says nobody is registered yet
    return parts


def _render_by_province(progress, parts, document):
    """Lay out each part (a list of province groups) with `document(groups) -> HTML`, reporting progress in
    provinces as the parts are finished; one PDF of them all, in order, joined as the parts come in."""
    total = sum(len(part) for part in parts)
    joiner = PdfJoiner()
    done = 0

    def finished(index, pdfs):
        nonlocal done
        joiner.add(index, pdfs[0])
        done += len(parts[index])
        progress(done, total, label=parts[index][-1]["province"].name if parts[index] else "")

    progress(0, total, label=gettext("Laying out the pages"), force=True)
    render_pdfs(([document(part)] for part in parts), on_done=finished)
    progress(total, total, label=gettext("Joining the pages into one file"), force=True)
    return joiner.result()


@job_handler(BADGES_KIND, max_attempts=2)
def session_badges(job, progress):
    with job_language(job):
        registrations = _registrations(job)
        parts = _parts(by_province(registrations), BADGES_PER_PART)
        pdf = _render_by_province(progress, parts, lambda groups: badges_html(job.session, groups))
    return JobResult(content=pdf, filename=f"badges-{job.session.pk}.pdf", summary={"people": len(registrations)})


@job_handler(LIST_KIND, max_attempts=2)
def session_list(job, progress):
    with job_language(job):
        registrations = _registrations(job)
        # One document per province: each province's pages are numbered on their own.
        parts = _parts(by_province(registrations), 1)
        pdf = _render_by_province(progress, parts, lambda groups: list_html(job.session, groups))
    return JobResult(content=pdf, filename=f"registrations-{job.session.pk}.pdf", summary={"people": len(registrations)})
