"""The sign-in sheets of every venue of a session, as a background job (meetings/jobs.py).

One venue's sheet is made in the request (attendance/views/reports.py). Central staff get every venue's in
one ZIP, one PDF per venue: each sheet is printed and signed at its own venue, in its own province, so each
is a file to hand to that province's office, with its pages numbered on their own. The sheets are laid out
in parallel, one process per core (meetings.pdf.render_pdfs).
"""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from attendance.reports import people_for_venue
from meetings.collation import sorted_venues
from meetings.dates import format_time
from meetings.errors import DomainError
from meetings.jobs import JobResult, job_handler, job_language, start_session_job
from meetings.pdf import render_pdfs, zip_files
from meetings.permissions import is_central
from registration.models import sorted_by_name

SIGNIN_SHEETS_KIND = "attendance.signin_sheets"
SIGNIN_SHEET_TEMPLATE = "attendance/print/signin_sheet.html"
BLANK_ROWS = 5  # numbered rows for walk-ins and substitutes


class SigninSheetsError(DomainError):
    pass


def signin_sheet_context(venue, printed_at=None):
    """What a venue's sheet shows: one row per person expected there (with their check-in time, once they
    checked in), then a few blank numbered rows."""
    people = sorted_by_name(people_for_venue(venue))
    for person in people:
        checkin = getattr(person, "checkin", None)
        person.checkin_time = format_time(checkin.checked_in_at) if checkin else ""
    blanks = range(len(people) + 1, len(people) + 1 + BLANK_ROWS)
    return {"venue": venue, "session": venue.session, "people": people, "blanks": blanks, "printed_at": printed_at or timezone.now()}


def signin_sheet_filename(venue, with_venue=False):
    """signin-sheet-20211125-TH-52.pdf; in the ZIP the venue's number follows, as a province may have two."""
    stem = f"signin-sheet-{venue.session.starts_at:%Y%m%d}-{venue.province.code}"
    return f"{stem}-{venue.pk}.pdf" if with_venue else f"{stem}.pdf"


def _check_central(user):
    if user is None or not is_central(user):
        raise SigninSheetsError(_("Only central staff print every venue's sheet at once."), "not_central")


def start_signin_sheets_job(*, session, actor):
    """Start the job making every venue's sheet of `session`, or return the same person's job for it that is
    still waiting or running."""
    _check_central(actor)
    return start_session_job(kind=SIGNIN_SHEETS_KIND, session=session, actor=actor, title=gettext("Sign-in sheets of every venue (ZIP)"))


@job_handler(SIGNIN_SHEETS_KIND, max_attempts=2)
def signin_sheets(job, progress):
    _check_central(job.created_by)
    with job_language(job):
        venues = sorted_venues(job.session.venues.select_related("province", "session"))
        if not venues:
            raise SigninSheetsError(_("This session has no venues yet."), "no_venues")
        printed_at = timezone.now()
        people = [0] * len(venues)
        done = 0

        def sheets():
            for index, venue in enumerate(venues):
                context = signin_sheet_context(venue, printed_at)
                people[index] = len(context["people"])
                yield [render_to_string(SIGNIN_SHEET_TEMPLATE, context)]

        def finished(index, _pdfs):
            nonlocal done
            done += 1
            progress(done, len(venues), label=f"{venues[index].name} ({venues[index].province.name})")

        progress(0, len(venues), label=gettext("Laying out the pages"), force=True)
        pdfs = render_pdfs(sheets(), on_done=finished)
        content = zip_files((signin_sheet_filename(venue, with_venue=True), pdf) for venue, (pdf,) in zip(venues, pdfs, strict=True))
    stamp = job.session.starts_at.strftime("%Y%m%d")
    return JobResult(content=content, filename=f"signin-sheets-{stamp}.zip", summary={"venues": len(venues), "people": sum(people)})
