"""Attendance reports: on screen, as XLSX, and the printable sign-in sheet of a venue (or of every venue, as a ZIP)."""

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from attendance.jobs import SIGNIN_SHEET_TEMPLATE, signin_sheet_context, signin_sheet_filename, start_signin_sheets_job
from attendance.reports import attendance_report, people_for_report
from meetings.audit import record_list_export
from meetings.exports import xlsx_response
from meetings.pdf import pdf_response, render_pdf
from meetings.permissions import central_required, staff_required
from meetings.selectors import get_session_for_user, get_venue_for_user
from registration.models import Registration


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
    context = signin_sheet_context(venue)
    pdf = render_pdf(SIGNIN_SHEET_TEMPLATE, context, request=request)
    record_list_export(
        request, kind="signin-sheet.pdf", session=venue.session, count=len(context["people"]), province=venue.province, details={"venue": venue.pk}
    )
    return pdf_response(pdf, signin_sheet_filename(venue))


@require_POST
@central_required
def signin_sheets(request, session_pk):
    """Every venue's sheet in one ZIP, made by a background job (attendance/jobs.py): start it, log the
    export, and show its progress."""
    session = get_session_for_user(request.user, session_pk)
    job = start_signin_sheets_job(session=session, actor=request.user)
    count = Registration.objects.active().filter(session=session).count()
    record_list_export(request, kind="signin-sheets.zip", session=session, count=count, details={"job": str(job.pk)})
    return redirect("meetings:job_detail", job_id=job.pk)
