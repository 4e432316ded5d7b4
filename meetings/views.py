import calendar
import datetime

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from meetings import services
from meetings.collation import sorted_provinces, sorted_venues
from meetings.dates import format_month, thai_weekday_initials
from meetings.errors import DomainError, add_error_message, add_form_error, error_json
from meetings.forms import (
    AgendaFormSet,
    AllProvincesVenueForm,
    AuditFilterForm,
    DuplicateSessionForm,
    QuotaMatrixForm,
    SessionFilterForm,
    SessionForm,
    VenueForm,
)
from meetings.health import check_channel_layer, check_database, versions
from meetings.ical import session_calendar
from meetings.jobs import JobError, get_job_for_user, job_status
from meetings.middleware import wants_json
from meetings.models import Job, JobStatus, Province, RoleCategory, Session, Venue
from meetings.permissions import central_required, is_central, staff_required, user_province
from meetings.selectors import (
    get_audit_entries_for_user,
    get_province_quotas,
    get_session_for_user,
    get_sessions_for_user,
    get_sessions_with_counts,
    get_venue_for_user,
)
from meetings.site import absolute_url


def home(request):
    now = timezone.now()
    sessions = get_sessions_for_user(request.user)
    return render(
        request,
        "meetings/home.html",
        {
            "upcoming": sessions.upcoming(now)[:20],
            "past": sessions.past(now)[:20],
        },
    )


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent without a valid security token (open too long, a login in another
    tab, cookies blocked) gets a page that says so in Thai and English and leads back to the form;
    a fetch() or API call gets the usual JSON error."""
    if wants_json(request):
        message = _("The request lacks its CSRF token: reload the page and try again.")
        return error_json(DomainError(message, code="csrf_failed"), status=403)
    referer = request.headers.get("Referer", "")
    retry_url = referer if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()) else ""
    return render(request, "403_csrf.html", {"retry_url": retry_url}, status=403)


async def _is_site_operator(request):
    try:
        user = await request.auser()
    except DatabaseError:  # gone since the check a moment ago
        return False
    return user.is_authenticated and user.is_active and user.is_staff


@never_cache
async def healthz(request):
    """200 "ok" when the database and the channel layer answer, else 503. The public (load balancers)
    learns nothing more; a logged-in Django staff user gets each check and the software versions.
    Without the database nobody can be recognised, so everyone gets the plain answer (the reason is
    in the log)."""
    checks = {
        "database": await sync_to_async(check_database, thread_sensitive=True)(),
        "channel_layer": await check_channel_layer(),
    }
    failed = sorted(name for name, reason in checks.items() if reason)
    status = 503 if failed else 200
    if checks["database"] or not await _is_site_operator(request):
        return HttpResponse("unavailable" if failed else "ok", content_type="text/plain; charset=utf-8", status=status)
    body = {
        "status": "fail" if failed else "ok",
        "checks": {name: (reason or "ok") for name, reason in checks.items()},
        "versions": versions(),
    }
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=status)


def session_detail(request, pk):
    """The session page: public facts for everyone, join details and the province's share for staff."""
    session = get_session_for_user(request.user, pk)
    central = is_central(request.user)
    province = user_province(request.user)
    venues = list(session.venues.select_related("province").filter(Q(is_host=True) | Q(province=province) if province else Q(is_host=True)))
    host = next((v for v in venues if v.is_host), None)
    own_venue = next((v for v in venues if not v.is_host and province and v.province_id == province.pk), None)
    agenda = list(session.agenda_items.all())
    days = {timezone.localdate(session.starts_at)} | {timezone.localdate(item.starts_at) for item in agenda if item.starts_at}
    context = {
        "session": session,
        "agenda": agenda,
        # The agenda shows each item's date as well as its time once it runs over more than one day.
        "several_days": len(days) > 1,
        "host_venue": host,
        "own_venue": own_venue,
        "viewer_province": province,
        "can_manage": central,
        # Join details only reach staff; a registered person sees them through their personal link.
        "show_join": central or province is not None,
        "join": _join_details(session, own_venue) if (central or province is not None) else None,
    }
    if province is not None:
        context["share"] = _province_share(session, province)
    if central:
        context["summary"] = get_sessions_with_counts(Session.objects.filter(pk=session.pk)).get()
        context["changes"] = [(c, services.describe_change(c)) for c in session.changes.select_related("changed_by")[:20]]
    return render(request, "meetings/session_detail.html", context)


@staff_required
def venue_detail(request, session_pk, pk):
    venue = get_venue_for_user(request.user, session_pk, pk)
    context = {"venue": venue, "session": venue.session, "can_manage": is_central(request.user)}
    if not venue.is_host:
        context["share"] = _province_share(venue.session, venue.province)
    return render(request, "meetings/venue_detail.html", context)


def _province_share(session, province):
    quotas = get_province_quotas(session, province)
    return {
        "province": province,
        "quotas": quotas,
        "seats": sum(q.seats for q in quotas),
        "used": sum(q.used for q in quotas),
        "free": sum(q.free for q in quotas),
    }


def _join_details(session, venue=None):
    """The connection a viewer should use: their venue's own link if it has one, else the session's."""
    return {
        "platform": session.get_vc_platform_display() if session.vc_platform else "",
        "url": (venue.vc_join_url if venue else "") or session.vc_join_url,
        "meeting_id": (venue.vc_meeting_id if venue else "") or session.vc_meeting_id,
        "passcode": (venue.vc_passcode if venue else "") or session.vc_passcode,
    }


# --- staff pages: sessions ------------------------------------------------------------------


@staff_required
def session_list(request):
    """Sessions with filters; central staff also see drafts. Provincial officers see published ones."""
    central = is_central(request.user)
    form = SessionFilterForm(request.GET or None, show_drafts=central)
    province = None if central else user_province(request.user)
    sessions = get_sessions_with_counts(form.filter(get_sessions_for_user(request.user)).order_by("-starts_at"), province)
    page = Paginator(sessions, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "meetings/session_list.html",
        {"filter_form": form, "page": page, "can_manage": central, "query": query.urlencode(), "viewer_province": province},
    )


@staff_required
def session_calendar_month(request):
    """A month calendar of the sessions the user can see (?year=2021&month=11, Gregorian in the URL).

    Without a month in the URL it opens on the month of the next session (the latest past one when
    none is coming), not on a current month that may well be empty.
    """
    today = timezone.localdate()
    visible = get_sessions_for_user(request.user)
    if "year" in request.GET or "month" in request.GET:
        try:
            year = int(request.GET.get("year", today.year))
            month = int(request.GET.get("month", today.month))
            first = datetime.date(year, month, 1)
        except (TypeError, ValueError):
            raise Http404("bad month") from None
    else:
        now = timezone.now()
        nearest = visible.upcoming(now).first() or visible.past(now).first()
        opening = timezone.localdate(nearest.starts_at) if nearest else today
        first = opening.replace(day=1)
        year, month = first.year, first.month
    last = datetime.date(year, month, calendar.monthrange(year, month)[1])
    sessions = visible.filter(starts_at__date__gte=first, starts_at__date__lte=last).order_by("starts_at")
    by_day = {}
    for session in sessions:
        by_day.setdefault(timezone.localtime(session.starts_at).date(), []).append(session)
    weeks = [
        [(day, day.month == month, day == today, by_day.get(day, [])) for day in week]
        for week in calendar.Calendar(firstweekday=6).monthdatescalendar(year, month)
    ]
    previous = first - datetime.timedelta(days=1)
    following = last + datetime.timedelta(days=1)
    return render(
        request,
        "meetings/session_calendar.html",
        {
            "weeks": weeks,
            "heading": format_month(year, month),
            "weekdays": thai_weekday_initials(),
            "previous": {"year": previous.year, "month": previous.month, "label": format_month(previous.year, previous.month)},
            "following": {"year": following.year, "month": following.month, "label": format_month(following.year, following.month)},
            "this_month": None if (year, month) == (today.year, today.month) else {"year": today.year, "month": today.month},
            "can_manage": is_central(request.user),
        },
    )


@central_required
def session_create(request):
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.create_session(actor=request.user, **form.session_values())
        except services.MeetingsError as error:
            add_form_error(form, error)
        else:
            messages.success(request, _("The session was created as a draft. Add its agenda, venues and quotas, then publish it."))
            return redirect(session.get_absolute_url())
    return render(request, "meetings/session_form.html", {"form": form, "session": None})


@central_required
def session_edit(request, pk):
    session = get_object_or_404(Session, pk=pk)
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_session(session=session, actor=request.user, **form.session_values())
        except services.MeetingsError as error:
            add_form_error(form, error)
        else:
            messages.success(request, _("The session was saved."))
            return redirect(session.get_absolute_url())
    return render(request, "meetings/session_form.html", {"form": form, "session": session})


def _status_action(request, pk, action, done_message):
    session = get_object_or_404(Session, pk=pk)
    try:
        action(session=session, actor=request.user)
    except services.MeetingsError as error:
        add_error_message(request, error)
    else:
        messages.success(request, done_message)
    return redirect(session.get_absolute_url())


@central_required
@require_POST
def session_publish(request, pk):
    return _status_action(request, pk, services.publish_session, _("The session is published: provincial offices can see it now."))


@central_required
@require_POST
def session_start(request, pk):
    return _status_action(request, pk, services.start_session, _("The session is marked as in progress."))


@central_required
@require_POST
def session_close(request, pk):
    return _status_action(request, pk, services.close_session, _("The session is closed."))


@central_required
def session_duplicate(request, pk):
    session = get_object_or_404(Session, pk=pk)
    initial_start = timezone.localtime(session.starts_at)
    try:
        initial_start = initial_start.replace(year=initial_start.year + 1)
    except ValueError:  # 29 February
        initial_start = initial_start + datetime.timedelta(days=365)
    form = DuplicateSessionForm(request.POST or None, initial={"new_start": initial_start, "title": session.title})
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.duplicate_session(
                session=session,
                new_start=form.cleaned_data["new_start"],
                actor=request.user,
                title=form.cleaned_data["title"] or None,
            )
        except services.MeetingsError as error:
            add_form_error(form, error)
        else:
            messages.success(request, _("A draft copy was made with the agenda, venues and quotas. Check it, then publish it."))
            return redirect(copy.get_absolute_url())
    return render(request, "meetings/session_duplicate.html", {"form": form, "session": session})


def session_ics(request, pk):
    """The session as an .ics file; join details only for staff (attendees: their personal page's calendar)."""
    session = get_session_for_user(request.user, pk)
    token = request.GET.get("t", "")
    if token and "/" not in token:
        # Links sent before the personal calendar moved carry the personal token in the query
        # string (?t=), where proxies and access logs keep it. Send them to the personal calendar;
        # a token that is not valid answers 404 there.
        return redirect("registration:personal_calendar", token=token)
    province = user_province(request.user)
    include_join = is_central(request.user) or province is not None
    venue = session.venues.filter(is_host=False, province=province).first() if province is not None else None
    return calendar_response(request, session, venue=venue, include_join=include_join)


def calendar_response(request, session, *, venue, include_join):
    """The .ics download of a session (private: it may carry join details)."""
    body = session_calendar(session, venue=venue, include_join=include_join, url=absolute_url(session.get_absolute_url(), request))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="prachum-session-{session.pk}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- staff pages: agenda --------------------------------------------------------------------


@central_required
def agenda_edit(request, pk):
    session = get_object_or_404(Session, pk=pk)
    items = list(session.agenda_items.all())
    initial = [
        {
            "id": item.pk,
            "title": item.title,
            "presenter": item.presenter,
            "starts_at": timezone.localtime(item.starts_at) if item.starts_at else None,
            "duration_minutes": item.duration_minutes,
            "ORDER": item.order,
        }
        for item in items
    ]
    formset = AgendaFormSet(request.POST or None, initial=initial, session=session, prefix="agenda")
    if request.method == "POST" and formset.is_valid():
        try:
            services.save_agenda(session=session, rows=formset.rows(), actor=request.user)
        except services.MeetingsError as error:
            add_error_message(request, error)
        else:
            messages.success(request, _("The agenda was saved."))
            return redirect(session.get_absolute_url())
    return render(request, "meetings/agenda_form.html", {"formset": formset, "session": session})


# --- staff pages: venues --------------------------------------------------------------------


@central_required
def venue_list(request, pk):
    session = get_object_or_404(Session, pk=pk)
    venues = sorted_venues(session.venues.select_related("province"))
    have = {v.province_id for v in venues if not v.is_host}
    missing = Province.objects.exclude(pk__in=have).count()
    return render(
        request,
        "meetings/venue_list.html",
        {"session": session, "venues": venues, "missing": missing, "all_form": AllProvincesVenueForm()},
    )


@central_required
def venue_create(request, pk):
    session = get_object_or_404(Session, pk=pk)
    form = VenueForm(request.POST or None, session=session, initial={"is_host": not session.venues.filter(is_host=True).exists()})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_venue(session=session, actor=request.user, **form.venue_values())
        except services.MeetingsError as error:
            add_form_error(form, error)
        else:
            messages.success(request, _("The venue was added."))
            return redirect("meetings:venue_list", pk=session.pk)
    return render(request, "meetings/venue_form.html", {"form": form, "session": session, "venue": None})


@central_required
def venue_edit(request, session_pk, pk):
    venue = get_object_or_404(Venue.objects.select_related("session", "province"), session_id=session_pk, pk=pk)
    form = VenueForm(request.POST or None, instance=venue, session=venue.session)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_venue(venue=venue, actor=request.user, **form.venue_values())
        except services.MeetingsError as error:
            add_form_error(form, error)
        else:
            messages.success(request, _("The venue was saved."))
            return redirect("meetings:venue_list", pk=venue.session_id)
    return render(request, "meetings/venue_form.html", {"form": form, "session": venue.session, "venue": venue})


@central_required
@require_POST
def venue_delete(request, session_pk, pk):
    venue = get_object_or_404(Venue, session_id=session_pk, pk=pk)
    try:
        services.delete_venue(venue=venue, actor=request.user)
    except services.MeetingsError as error:
        add_error_message(request, error)
    else:
        messages.success(request, _("The venue was deleted."))
    return redirect("meetings:venue_list", pk=session_pk)


@central_required
@require_POST
def venues_add_all(request, pk):
    session = get_object_or_404(Session, pk=pk)
    form = AllProvincesVenueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the venue details and try again."))
    else:
        added = services.add_venues_for_all_provinces(
            session=session,
            actor=request.user,
            name_prefix=form.cleaned_data["name_prefix"],
            room=form.cleaned_data["room"],
            capacity=form.cleaned_data["capacity"],
        )
        messages.success(request, _("%(count)d venues were added.") % {"count": added})
    return redirect("meetings:venue_list", pk=pk)


# --- staff pages: quotas --------------------------------------------------------------------


@central_required
def quota_matrix(request, pk):
    """All 77 provinces × role categories in one form. A fixed handful of queries whatever the size."""
    session = get_object_or_404(Session, pk=pk)
    provinces = sorted_provinces(Province.objects.all())
    roles = list(RoleCategory.objects.order_by("order", "code"))
    quotas = list(session.quotas.all())
    used = services.used_seats(session)
    form = QuotaMatrixForm(request.POST or None, session=session, provinces=provinces, roles=roles, quotas=quotas, used=used)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.save_quota_matrix(session=session, cells=form.cells(), actor=request.user)
        except services.QuotaError as error:
            form.add_quota_error(error)
        else:
            messages.success(request, _("The quotas were saved (%(count)d cells changed).") % {"count": changed})
            return redirect("meetings:quota_matrix", pk=session.pk)
    rows = form.rows()
    totals = form.column_totals()
    return render(
        request,
        "meetings/quota_matrix.html",
        {
            "session": session,
            "form": form,
            "rows": rows,
            "totals": totals,
            "roles": roles,
            "grand_total": sum(t[2] for t in totals),
            "grand_used": sum(t[3] for t in totals),
        },
    )


AUDIT_PAGE_SIZE = 50


@staff_required
def audit_log(request):
    """The audit log (meetings.models.AuditEntry): central staff see every entry, a provincial office
    the entries about its province's people."""
    entries = get_audit_entries_for_user(request.user)
    users = get_user_model().objects.filter(pk__in=entries.exclude(user=None).values("user")).order_by("username")
    form = AuditFilterForm(request.GET or None, users=users)
    shown = form.filter(entries).select_related("user", "province").in_list_order()
    page = Paginator(shown, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "meetings/audit_log.html", {"form": form, "page": page, "query": query.urlencode()})


# --- background jobs: progress and results ---------------------------------------------------------------

JOB_LIST_SIZE = 30


def _job(request, job_id):
    try:
        return get_job_for_user(request.user, job_id)
    except JobError:
        raise Http404 from None


@staff_required
def job_list(request):
    """The jobs this person started (newest first), with their state and results."""
    jobs = Job.objects.filter(created_by=request.user).select_related("session").in_list_order()[:JOB_LIST_SIZE]
    return render(request, "meetings/job_list.html", {"jobs": jobs})


@never_cache
@staff_required
def job_detail(request, job_id):
    """A job's progress bar (static/js/job_progress.js polls job_status) and, once done, its download."""
    job = _job(request, job_id)
    return render(request, "meetings/job_detail.html", {"job": job, "status": job_status(job)})


@never_cache
@staff_required
def job_status_json(request, job_id):
    return JsonResponse(job_status(_job(request, job_id)))


@staff_required
def job_download(request, job_id):
    """The job's file, to the person who started it only; gone once the job expires (JOB_RESULT_HOURS)."""
    job = _job(request, job_id)
    if job.status != JobStatus.SUCCEEDED or not job.result_file:
        raise Http404
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=job.result_name or "result")
