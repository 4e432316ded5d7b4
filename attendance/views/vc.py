"""Video-conference attendance pages: reports of a session and their upload, the review of one report (central
staff), and attendance from both sources per province and venue (staff; an officer sees their province)."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from attendance.models import CheckIn, VcParticipant, VcParticipantKind, VcReport, VcReportStatus
from attendance.vc.formats import VcReportError, check_size
from attendance.vc.forms import VcConfirmForm, VcMatchForm, VcUploadForm
from attendance.vc.intervals import seconds_within
from attendance.vc.outcomes import AttendanceStatus, session_attendance
from attendance.vc.reports import vc_attendance_report
from attendance.vc.services import VcReviewError, confirm_vc_report, discard_vc_report, find_registration, import_vc_report, set_vc_match
from meetings.audit import record_list_export
from meetings.collation import sorted_venues
from meetings.errors import add_error_message, add_form_error
from meetings.exports import xlsx_response
from meetings.permissions import central_required, staff_required
from meetings.selectors import get_session_for_user
from registration.models import Registration, sorted_in_list_order

PAGE_SIZE = 100
SHOWS = ("unmatched", "people", "rooms", "ignored", "absent")


def _reports_context(request, session, form=None):
    reports = session.vc_reports.select_related("uploaded_by", "confirmed_by").annotate(names=Count("participants")).order_by("-uploaded_at", "-pk")
    return {"session": session, "reports": reports, "form": form or VcUploadForm()}


@central_required
def vc_reports(request, session_pk):
    session = get_session_for_user(request.user, session_pk)
    return render(request, "attendance/vc/reports.html", _reports_context(request, session))


@require_POST
@central_required
def vc_upload(request, session_pk):
    session = get_session_for_user(request.user, session_pk)
    form = VcUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "attendance/vc/reports.html", _reports_context(request, session, form), status=400)
    upload = form.cleaned_data["file"]
    try:
        check_size(upload.size)  # before reading it into memory
        result = import_vc_report(
            session=session,
            content=upload.read(),
            filename=upload.name,
            platform=form.cleaned_data["platform"] or None,
            actor=request.user,
            request=request,
        )
    except VcReportError as error:
        add_form_error(form, error)
        return render(request, "attendance/vc/reports.html", _reports_context(request, session, form), status=400)
    if not result.created:
        messages.info(request, _("This file was imported before; nothing changed."))
    elif result.report.status == VcReportStatus.PENDING:
        messages.warning(
            request, _("Imported. A report of this platform is already in use: check this one, then confirm whether it replaces it or adds to it.")
        )
    else:
        messages.success(request, _("Imported. Check the matches below."))
    return redirect(reverse("attendance:vc_review", kwargs={"session_pk": session.pk, "report_pk": result.report.pk}))


def _report(request, session_pk, report_pk):
    session = get_session_for_user(request.user, session_pk)
    return session, get_object_or_404(VcReport.objects.select_related("uploaded_by", "confirmed_by"), session=session, pk=report_pk)


def _counted_reports(session, report):
    """The reports whose evidence the review counts: those in use, and this one as if confirmed (replacing)."""
    reports = list(session.vc_reports.filter(status=VcReportStatus.ACTIVE).exclude(platform=report.platform).values_list("pk", flat=True))
    if report.status == VcReportStatus.PENDING:
        return [*reports, report.pk]
    return [*reports, *session.vc_reports.filter(status=VcReportStatus.ACTIVE, platform=report.platform).values_list("pk", flat=True)]


@central_required
def vc_review(request, session_pk, report_pk):
    session, report = _report(request, session_pk, report_pk)
    counts = dict(report.participants.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    show = request.GET.get("show")
    if show not in SHOWS:
        show = "unmatched" if counts.get(VcParticipantKind.UNMATCHED) else "people"
    start, end = int(session.starts_at.timestamp()), int(session.ends_at.timestamp())
    context = {"session": session, "report": report, "counts": counts, "show": show, "confirm_form": VcConfirmForm()}
    if show == "absent":
        outcome = session_attendance(session, reports=_counted_reports(session, report))
        absent = [pk for pk, attendance in outcome.items() if attendance.status == AttendanceStatus.ABSENT]
        people = sorted_in_list_order(Registration.objects.filter(pk__in=absent).select_related("province", "role", "venue"))
        page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update({"page": page, "absent_count": len(absent)})
        return render(request, "attendance/vc/review.html", context)
    kind = {
        "unmatched": VcParticipantKind.UNMATCHED,
        "people": VcParticipantKind.PERSON,
        "rooms": VcParticipantKind.ROOM,
        "ignored": VcParticipantKind.IGNORED,
    }[show]
    participants = (
        report.participants.filter(kind=kind)
        .select_related("registration__province", "venue__province", "confirmed_by")
        .order_by("confidence", "display_name", "pk")
    )
    page = Paginator(participants, PAGE_SIZE).get_page(request.GET.get("page"))
    suggested = {pk for participant in page for pk in participant.suggestions}
    suggestions = Registration.objects.filter(pk__in=suggested, session=session).select_related("province").in_bulk()
    venues = sorted_venues(session.venues.select_related("province"))
    checked_in = dict(CheckIn.objects.filter(session=session).values_list("venue_id").annotate(n=Count("pk")).values_list("venue_id", "n"))
    for participant in page:
        participant.minutes = seconds_within(participant.intervals, start, end) // 60
        participant.suggested = [suggestions[pk] for pk in participant.suggestions if pk in suggestions]
        participant.venue_checkins = checked_in.get(participant.venue_id, 0) if participant.venue_id else 0
    context.update({"page": page, "venues": venues})
    return render(request, "attendance/vc/review.html", context)


@require_POST
@central_required
def vc_match(request, session_pk, report_pk, participant_pk):
    session, report = _report(request, session_pk, report_pk)
    participant = get_object_or_404(VcParticipant, report=report, pk=participant_pk)
    form = VcMatchForm(request.POST, session=session)
    back = reverse("attendance:vc_review", kwargs={"session_pk": session.pk, "report_pk": report.pk})
    show = request.POST.get("show")
    if show in SHOWS:
        back += f"?show={show}"
    if not form.is_valid():
        messages.error(request, _("Choose what this name is."))
        return redirect(back)
    data = form.cleaned_data
    try:
        registration = None
        if data["action"] == "person":
            if data["who"]:
                registration = find_registration(session, data["who"])
            elif data["registration"]:
                registration = Registration.objects.filter(pk=data["registration"], session=session).first()
        set_vc_match(
            participant=participant, action=data["action"], registration=registration, venue=data["venue"], actor=request.user, request=request
        )
    except VcReviewError as error:
        add_error_message(request, error)
        return redirect(back)
    messages.success(request, _("Saved."))
    return redirect(back)


@require_POST
@central_required
def vc_confirm(request, session_pk, report_pk):
    session, report = _report(request, session_pk, report_pk)
    form = VcConfirmForm(request.POST)
    back = reverse("attendance:vc_review", kwargs={"session_pk": session.pk, "report_pk": report.pk})
    if not form.is_valid():
        messages.error(request, _("Choose whether this report replaces the one in use or adds to it."))
        return redirect(back)
    try:
        confirm_vc_report(report=report, replace=form.cleaned_data["mode"] == "replace", actor=request.user, request=request)
    except VcReviewError as error:
        add_error_message(request, error)
        return redirect(back)
    messages.success(request, _("The report is now in use."))
    return redirect(back)


@require_POST
@central_required
def vc_discard(request, session_pk, report_pk):
    session, report = _report(request, session_pk, report_pk)
    try:
        discard_vc_report(report=report, actor=request.user, request=request)
    except VcReviewError as error:
        add_error_message(request, error)
        return redirect(reverse("attendance:vc_review", kwargs={"session_pk": session.pk, "report_pk": report.pk}))
    messages.success(request, _("The report was discarded."))
    return redirect(reverse("attendance:vc_reports", kwargs={"session_pk": session.pk}))


@staff_required
def vc_attendance(request, session_pk):
    session = get_session_for_user(request.user, session_pk)
    report = vc_attendance_report(session, request.user)
    reports = session.vc_reports.filter(status=VcReportStatus.ACTIVE).order_by("uploaded_at", "pk")
    return render(
        request,
        "attendance/vc/attendance.html",
        {"session": session, "report": report, "reports": reports, "present_percent": settings.VC_PRESENT_PERCENT},
    )


def _summary(row):
    return [
        row.label,
        row.registered,
        row.present_on_site,
        row.room,
        row.online,
        row.partial,
        row.absent,
        row.present,
        row.percent,
        row.online_minutes,
    ]


@staff_required
def vc_attendance_xlsx(request, session_pk):
    """?table=people (default: one row per registration), province or venue."""
    session = get_session_for_user(request.user, session_pk)
    table = request.GET.get("table", "people")
    if table not in ("people", "province", "venue"):
        raise Http404
    report = vc_attendance_report(session, request.user)
    stamp = session.starts_at.strftime("%Y%m%d")
    counts = [
        _("Registered"),
        _("Present on site (QR)"),
        _("of whom in a connected room"),
        _("Present online"),
        _("Partly online"),
        _("Absent"),
        _("Present"),
        _("Per cent present"),
        _("Minutes online (everyone)"),
    ]
    if table == "province":
        rows = [_summary(row) for row in report["provinces"]]
        return xlsx_response([_("Province"), *counts], rows, f"vc-attendance-province-{stamp}.xlsx", sheet_title=_("Province"))
    if table == "venue":
        rows = [[*_summary(row), row.room_minutes] for row in report["venues"]]
        headers = [_("Venue"), *counts, _("Minutes its meeting room was connected")]
        return xlsx_response(headers, rows, f"vc-attendance-venue-{stamp}.xlsx", sheet_title=_("Venue"))
    headers = [
        _("No."),
        _("Province"),
        _("Venue"),
        _("Name"),
        _("Role"),
        _("Attendance"),
        _("Check-in time"),
        _("Minutes online"),
        _("Minutes of their venue's meeting room"),
        _("Minutes attended"),
        _("Per cent of the session online"),
    ]
    rows = []
    for n, (registration, attendance) in enumerate(report["people"], start=1):
        checkin = getattr(registration, "checkin", None)
        rows.append(
            [
                n,
                registration.province.name,
                str(registration.venue or ""),
                registration.full_name,
                registration.role.name,
                attendance.get_status_display(),
                checkin.checked_in_at if checkin else None,  # an Excel date cell in Bangkok time (meetings.exports)
                attendance.online_minutes,
                attendance.room_minutes,
                attendance.minutes,
                attendance.online_percent,
            ]
        )
    response = xlsx_response(headers, rows, f"vc-attendance-{stamp}.xlsx", sheet_title=_("Attendance"))
    record_list_export(request, kind="vc-attendance.xlsx", session=session, count=len(rows))
    return response
