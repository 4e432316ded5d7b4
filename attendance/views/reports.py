"""Attendance reports: on screen, as XLSX, and the printable sign-in sheet of a venue."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.reports import attendance_report, people_for_report, people_for_venue
from meetings.audit import record_list_export
from meetings.dates import format_time
from meetings.exports import xlsx_response
from meetings.pdf import pdf_response, render_pdf
from meetings.permissions import staff_required
from meetings.selectors import get_session_for_user, get_venue_for_user
from registration.models import sorted_by_name


@staff_required
def report(request, session_pk):
    session = get_session_for_user(request.user, session_pk)
    return render(request, "attendance/report.html", {"session": session, "report": attendance_report(session, request.user)})


def _summary_rows(rows):
    return [[row.label, row.registered, row.present, row.absent, row.on_time, row.late, row.percent] for row in rows]


@staff_required
def report_xlsx(request, session_pk):
    """?table=people (default: one row per registration), province, venue or role."""
    session = get_session_for_user(request.user, session_pk)
    table = request.GET.get("table", "people")
    stamp = session.starts_at.strftime("%Y%m%d")
    if table in ("province", "venue", "role"):
        report = attendance_report(session, request.user)
        first = {"province": _("Province"), "venue": _("Venue"), "role": _("Role")}[table]
        headers = [first, _("Registered"), _("Present"), _("Absent"), _("On time"), _("Late"), _("Per cent present")]
        rows = _summary_rows(report[table + "s"])
        return xlsx_response(headers, rows, f"attendance-{table}-{stamp}.xlsx", sheet_title=first)
    headers = [
        _("No."),
        _("Province"),
        _("Venue"),
        _("Name"),
        _("Role"),
        _("Position"),
        _("Organisation"),
        _("Phone"),
        _("Attendance"),
        _("Check-in time"),
        _("On time or late"),
        _("Method"),
        _("Checked in at venue"),
    ]
    rows = []
    for n, reg in enumerate(people_for_report(session, request.user), start=1):
        checkin = getattr(reg, "checkin", None)
        rows.append(
            [
                n,
                reg.province.name,
                str(reg.venue or ""),
                reg.full_name,
                reg.role.name,
                reg.position,
                reg.organisation,
                reg.phone,
                _("Present") if checkin else _("Absent"),
                checkin.checked_in_at if checkin else None,  # an Excel date cell in Bangkok time (meetings.exports)
                (_("Late") if checkin.is_late else _("On time")) if checkin else "",
                checkin.get_method_display() if checkin else "",
                str(checkin.venue or "") if checkin else "",
            ]
        )
    response = xlsx_response(headers, rows, f"attendance-{stamp}.xlsx", sheet_title=_("Attendance"))
    record_list_export(request, kind="attendance.xlsx", session=session, count=len(rows))
    return response


@staff_required
def signin_sheet(request, session_pk, venue_pk):
    """ใบลงชื่อเข้าร่วมประชุม: one row per person expected at the venue, with a signature column."""
    venue = get_venue_for_user(request.user, session_pk, venue_pk)
    people = sorted_by_name(people_for_venue(venue))
    for person in people:
        checkin = getattr(person, "checkin", None)
        person.checkin_time = format_time(checkin.checked_in_at) if checkin else ""
    # A few blank numbered rows for walk-ins and substitutes.
    blanks = range(len(people) + 1, len(people) + 6)
    context = {"venue": venue, "session": venue.session, "people": people, "blanks": blanks, "printed_at": timezone.now()}
    pdf = render_pdf("attendance/print/signin_sheet.html", context, request=request)
    record_list_export(
        request, kind="signin-sheet.pdf", session=venue.session, count=len(people), province=venue.province, details={"venue": venue.pk}
    )
    return pdf_response(pdf, f"signin-sheet-{venue.session.starts_at:%Y%m%d}-{venue.province.code}.pdf")
