"""Registration pages: list, register, detail (link, QR, cancel, substitute, reveal), import, exports, PDFs.

Views parse input, check permission through the selectors, call one service and render.
"""

import hashlib

from cryptography.fernet import InvalidToken
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from meetings.audit import client_ip, record_list_export
from meetings.errors import add_error_message, add_form_error
from meetings.exports import XLSX_TYPE, csv_response, download_response, xlsx_response
from meetings.models import Province, RoleCategory
from meetings.pdf import pdf_response, render_pdf
from meetings.permissions import is_central, staff_required, user_province
from meetings.qr import qr_svg
from meetings.selectors import get_session_for_user
from meetings.site import site_url
from meetings.views import calendar_response
from registration import staging
from registration.badges import BADGES_TEMPLATE, LIST_TEMPLATE, badge_context, by_province
from registration.errors import ImportFileError, ImportRejected, RegistrationError
from registration.forms import (
    AnonymiseForm,
    ImportUploadForm,
    NationalIdRevealForm,
    ParticipantForm,
    ProvinceChoiceForm,
    RegistrationFilterForm,
)
from registration.imports import TEMPLATE_FILENAME, check_file_size, template_bytes
from registration.jobs import BADGES_KIND, LIST_KIND, start_session_pdf_job
from registration.line import line_card
from registration.messaging import has_opted_out
from registration.models import MessageChannel, Registration, RegistrationStatus, list_order_pks, sorted_in_list_order
from registration.personal_cookie import remember_personal_token
from registration.selectors import (
    filter_registrations,
    get_opt_out_by_token,
    get_registration_by_token,
    get_registration_for_user,
    get_registrations_for_user,
    people_to_email_links,
    quota_rows,
    roles_with_seats,
)
from registration.services import (
    anonymise_registration,
    can_change,
    cancel_registration,
    check_can_change,
    export_personal_data,
    import_participants,
    opt_in,
    opt_out,
    register_participant,
    reissue_personal_link,
    reissue_ticket,
    reveal_national_id,
    revoke_personal_link,
    send_personal_link,
    send_personal_links,
    substitute_registration,
    update_participant,
)
from registration.thai_id import decrypt_file, encrypt_file

IMPORT_SALT = "prachum.registration.import-preview"
IMPORT_MAX_AGE = staging.MAX_AGE  # an officer has an hour between preview and confirm
PREVIEW_PROBLEMS = 200  # a refused file's page lists this many problems, and counts the rest
PAGE_SIZE = 50


def _session(request, session_pk):
    return get_session_for_user(request.user, session_pk)


def _acting_province(request, value=None):
    """An officer's own province; for central staff the province chosen by code (404 when unknown)."""
    if not is_central(request.user):
        return user_province(request.user)
    if not value:
        return None
    return get_object_or_404(Province, code=value)


def _can_change(request, session):
    return can_change(actor=request.user, session=session)


def _list_url(session):
    return reverse("registration:list", kwargs={"session_pk": session.pk})


def _detail_url(registration):
    return reverse("registration:detail", kwargs={"session_pk": registration.session_id, "pk": registration.pk})


def _filtered(request, session):
    """The list page's and the exports' registrations, filtered as the form asks (each puts them in list order)."""
    central = is_central(request.user)
    form = RegistrationFilterForm(request.GET or None, central=central)
    registrations = get_registrations_for_user(request.user, session)
    filters = {}
    if form.is_valid():
        filters = {key: form.cleaned_data.get(key) for key in ("q", "province", "role", "status")}
        registrations = filter_registrations(registrations, **filters)
    else:
        registrations = filter_registrations(registrations)
    return form, registrations, filters


# --- list and exports -----------------------------------------------------------------------------------


@staff_required
def registration_list(request, session_pk):
    session = _session(request, session_pk)
    form, registrations, filters = _filtered(request, session)
    # Thai dictionary order is Python's to give: sort the keys of every match, then fetch one page of rows.
    page = Paginator(list_order_pks(registrations), PAGE_SIZE).get_page(request.GET.get("page"))
    shown = registrations.in_bulk(page.object_list)
    page.object_list = [shown[pk] for pk in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registration/list.html",
        {
            "session": session,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "quotas": quota_rows(session, request.user, filters.get("province")),
            "can_change": _can_change(request, session),
            "is_central": is_central(request.user),
            "province": user_province(request.user),
            **_email_links_context(request, session, filters),
        },
    )


def _email_links_context(request, session, filters):
    """The province whose people the list's "E-mail personal links" button reaches (an officer's own; for
    central staff the one the list is filtered to), and how many of them have an address."""
    province = filters.get("province") if is_central(request.user) else user_province(request.user)
    return {"email_province": province, "email_count": people_to_email_links(session, province).count() if province else 0}


EXPORT_FIELDS = (
    ("province", lambda r: r.province.name_th),
    ("prefix", lambda r: r.prefix),
    ("first_name", lambda r: r.first_name),
    ("last_name", lambda r: r.last_name),
    ("position", lambda r: r.position),
    ("organisation", lambda r: r.organisation),
    ("village", lambda r: r.village),
    ("subdistrict", lambda r: r.subdistrict),
    ("district", lambda r: r.district),
    ("role", lambda r: r.role.name),
    ("phone", lambda r: r.phone),
    ("email", lambda r: r.email),
    ("national_id", lambda r: r.masked_national_id),
    ("status", lambda r: r.get_status_display()),
)


def _export_headers():
    labels = {name: str(Registration._meta.get_field(name).verbose_name) for name, _ in EXPORT_FIELDS if name != "national_id"}
    labels["national_id"] = gettext("national ID")  # stored encrypted: not a field of its own
    return [gettext("No."), *[labels[name] for name, _ in EXPORT_FIELDS]]


@staff_required
def registration_export(request, session_pk, fmt):
    """The filtered list as XLSX or CSV; national IDs masked, formula-like cells neutralised."""
    session = _session(request, session_pk)
    _form, registrations, filters = _filtered(request, session)
    registrations = sorted_in_list_order(registrations)
    rows = ([n, *[getter(r) for _name, getter in EXPORT_FIELDS]] for n, r in enumerate(registrations, start=1))
    filename = f"registrations-{session.pk}.{fmt}"
    if fmt == "csv":
        response = csv_response(_export_headers(), rows, filename)
    else:
        response = xlsx_response(_export_headers(), rows, filename, sheet_title=gettext("Registrations"))
    record_list_export(
        request,
        kind=f"registrations.{fmt}",
        session=session,
        count=len(registrations),
        province=filters.get("province"),
        details=_filters_for_log(filters),
    )
    return response


def _filters_for_log(filters):
    """The list's filters as the audit log keeps them: codes, and whether a search was typed (not what:
    a search is often a name)."""
    return {
        "filters": {
            "province": filters["province"].code if filters.get("province") else "",
            "role": filters["role"].code if filters.get("role") else "",
            "status": filters.get("status") or "",
            "search": bool(filters.get("q")),
        }
    }


# --- one person -----------------------------------------------------------------------------------------


@sensitive_post_parameters("national_id")
@staff_required
def registration_create(request, session_pk):
    session = _session(request, session_pk)
    province = _acting_province(request, request.POST.get("province_code") or request.GET.get("province"))
    if province is None:
        # Central staff pick the province first; its quotas decide the roles on offer.
        return render(request, "registration/choose_province.html", {"session": session, "form": ProvinceChoiceForm(), "next": "registration_create"})
    try:
        check_can_change(actor=request.user, session=session, province=province)
    except RegistrationError as error:
        add_error_message(request, error)
        return redirect(_list_url(session))
    form = ParticipantForm(request.POST or None, roles=roles_with_seats(session, province), province=province)
    if request.method == "POST" and form.is_valid():
        try:
            registration = register_participant(session=session, province=province, data=form.participant_data(), actor=request.user)
        except RegistrationError as error:
            add_form_error(form, error)
        else:
            messages.success(request, gettext("%(name)s is registered.") % {"name": registration.full_name})
            if "add_another" in request.POST:
                url = reverse("registration:create", kwargs={"session_pk": session.pk})
                return redirect(f"{url}?province={province.code}" if is_central(request.user) else url)
            return redirect(_detail_url(registration))
    return render(
        request,
        "registration/form.html",
        {"session": session, "province": province, "form": form, "quotas": quota_rows(session, request.user, province)},
    )


@staff_required
def registration_detail(request, session_pk, pk):
    session = _session(request, session_pk)
    registration = get_registration_for_user(request.user, session, pk)
    return _render_detail(request, session, registration)


def _render_detail(request, session, registration, revealed_id=None, reveal_form=None, status=200):
    has_link = registration.status == RegistrationStatus.ACTIVE and not registration.link_revoked
    url = registration.get_personal_url(request) if has_link else ""
    return render(
        request,
        "registration/detail.html",
        {
            "session": session,
            "registration": registration,
            "personal_url": url,
            "qr": qr_svg(url) if url else "",
            "revealed_id": revealed_id,
            "reveal_form": reveal_form or NationalIdRevealForm(),
            "can_change": _can_change(request, session) and registration.status == RegistrationStatus.ACTIVE and registration.anonymised_at is None,
            # The latest e-mails and LINE messages to the person, and how they went (registration/messaging.py).
            "outbox": registration.messages.select_related("job").order_by("-pk")[:5],
            "is_central": is_central(request.user),
            "replaced_by": getattr(registration, "replaced_by", None) if registration.status == RegistrationStatus.SUBSTITUTED else None,
        },
        status=status,
    )


def _post_action(request, session_pk, pk, action, success):
    session = _session(request, session_pk)
    registration = get_registration_for_user(request.user, session, pk)
    try:
        result = action(registration=registration, actor=request.user)
    except RegistrationError as error:
        add_error_message(request, error)
    else:
        messages.success(request, success % {"name": (result or registration).full_name})
    return redirect(_detail_url(registration))


@require_POST
@staff_required
def registration_cancel(request, session_pk, pk):
    return _post_action(request, session_pk, pk, cancel_registration, gettext("The registration of %(name)s is cancelled."))


@require_POST
@staff_required
def registration_revoke_link(request, session_pk, pk):
    return _post_action(request, session_pk, pk, revoke_personal_link, gettext("The personal link of %(name)s no longer works."))


@require_POST
@staff_required
def registration_reissue_link(request, session_pk, pk):
    return _post_action(
        request, session_pk, pk, reissue_personal_link, gettext("A new personal link for %(name)s is ready; earlier links no longer work.")
    )


@require_POST
@staff_required
def registration_reissue_ticket(request, session_pk, pk):
    return _post_action(
        request,
        session_pk,
        pk,
        reissue_ticket,
        gettext("A new check-in ticket for %(name)s is ready: print the badge again; the earlier badge no longer checks in."),
    )


@require_POST
@staff_required
def registration_send_link(request, session_pk, pk):
    """Queue the e-mail with the person's link; the background worker sends it (the page lists how it went)."""

    def queue(*, registration, actor):
        send_personal_link(registration=registration, actor=actor, base_url=site_url(request))

    return _post_action(
        request,
        session_pk,
        pk,
        queue,
        gettext("The e-mail with the personal link of %(name)s is queued: the background worker sends it in a moment."),
    )


@require_POST
@staff_required
def registration_send_links(request, session_pk):
    """E-mail their personal links to everyone of one province with an address (an officer: their own; central
    staff: the province chosen on the list), then follow the delivery job."""
    session = _session(request, session_pk)
    code = request.POST.get("province", "")
    own = user_province(request.user)
    if not is_central(request.user) and code and (own is None or code != own.code):
        raise Http404("another province")
    province = _acting_province(request, code)
    if province is None:
        messages.error(request, gettext("Choose a province first (filter the list by province)."))
        return redirect(_list_url(session))
    try:
        job, queued = send_personal_links(session=session, province=province, actor=request.user, base_url=site_url(request))
    except RegistrationError as error:
        add_error_message(request, error)
        return redirect(_list_url(session))
    if job is None:
        messages.info(
            request,
            gettext("Nothing to send: everyone in %(province)s with an e-mail address was already sent their current link.")
            % {"province": province.name},
        )
        return redirect(_list_url(session))
    if queued:
        text = ngettext(
            "%(count)s e-mail with a personal link is queued for %(province)s.",
            "%(count)s e-mails with personal links are queued for %(province)s.",
            queued,
        )
        messages.success(request, text % {"count": queued, "province": province.name})
    else:
        messages.info(request, gettext("The e-mails that were still waiting are being sent again."))
    return redirect("meetings:job_detail", job_id=job.pk)


@require_POST
@staff_required
def registration_reveal_id(request, session_pk, pk):
    """Central staff only, with a reason: show the full national ID once, in this response; the reveal
    and its reason are logged."""
    session = _session(request, session_pk)
    registration = get_registration_for_user(request.user, session, pk)
    if not is_central(request.user):
        raise PermissionDenied
    form = NationalIdRevealForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, session, registration, reveal_form=form, status=400)
    try:
        national_id = reveal_national_id(
            registration=registration, actor=request.user, reason=form.cleaned_data["reason"], ip_address=client_ip(request)
        )
    except RegistrationError as error:
        add_form_error(form, error)
        return _render_detail(request, session, registration, reveal_form=form, status=400)
    response = _render_detail(request, session, registration, revealed_id=national_id or "-")
    response["Cache-Control"] = "no-store"
    return response


@sensitive_post_parameters("national_id")
@staff_required
def registration_edit(request, session_pk, pk):
    """Correct a person's details (a typo in a name, a new phone); role and province stay."""
    session = _session(request, session_pk)
    registration = get_registration_for_user(request.user, session, pk)
    form = ParticipantForm(request.POST or None, instance=registration, with_role=False)
    if request.method == "POST" and form.is_valid():
        try:
            update_participant(registration=registration, data=form.participant_data(), actor=request.user)
        except RegistrationError as error:
            add_form_error(form, error)
        else:
            messages.success(request, gettext("The details of %(name)s are saved.") % {"name": registration.full_name})
            return redirect(_detail_url(registration))
    return render(
        request,
        "registration/edit.html",
        {
            "session": session,
            "registration": registration,
            "form": form,
            "can_change": _can_change(request, session) and registration.status == RegistrationStatus.ACTIVE,
        },
    )


@sensitive_post_parameters("national_id")
@staff_required
def registration_substitute(request, session_pk, pk):
    session = _session(request, session_pk)
    registration = get_registration_for_user(request.user, session, pk)
    form = ParticipantForm(request.POST or None, with_role=False)
    if request.method == "POST" and form.is_valid():
        try:
            substitute = substitute_registration(registration=registration, data=form.participant_data(), actor=request.user)
        except RegistrationError as error:
            add_form_error(form, error)
        else:
            messages.success(
                request, gettext("%(name)s now takes the seat of %(old)s.") % {"name": substitute.full_name, "old": registration.full_name}
            )
            return redirect(_detail_url(substitute))
    return render(
        request,
        "registration/substitute.html",
        {
            "session": session,
            "registration": registration,
            "form": form,
            "can_change": _can_change(request, session) and registration.status == RegistrationStatus.ACTIVE,
        },
    )


# --- a person's data (PDPA) ----------------------------------------------------------------------------


def _personal_data_response(data, registration):
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="personal-data-{registration.pk}.json"'
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@staff_required
def registration_personal_data(request, session_pk, pk):
    """Everything Prachum holds about one person, as a JSON file (the person's right of access, asked
    through the office): central staff, or the office of the person's province. Logged."""
    session = _session(request, session_pk)
    registration = get_registration_for_user(request.user, session, pk)
    data = export_personal_data(registration=registration, actor=request.user, ip_address=client_ip(request))
    return _personal_data_response(data, registration)


@staff_required
def registration_anonymise(request, session_pk, pk):
    """Erase a person's data (anonymise the registration): central staff only, with a reason; logged."""
    session = _session(request, session_pk)
    registration = get_registration_for_user(request.user, session, pk)
    if not is_central(request.user):
        raise PermissionDenied
    form = AnonymiseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                anonymise_registration(
                    registration=registration, actor=request.user, reason=form.cleaned_data["reason"], ip_address=client_ip(request)
                )
            except RegistrationError as error:
                add_form_error(form, error)
            else:
                messages.success(request, gettext("The person's data is erased. The registration stays, without it, so that the counts stay true."))
                return redirect(_detail_url(registration))
        status = 400
    return render(request, "registration/anonymise.html", {"session": session, "registration": registration, "form": form}, status=status)


# --- bulk import ----------------------------------------------------------------------------------------


def _problems_context(problems):
    """The first PREVIEW_PROBLEMS problems of a refused import for the page, and how many more there are."""
    return {"problems": problems[:PREVIEW_PROBLEMS], "more_problems": max(0, len(problems) - PREVIEW_PROBLEMS)}


def _import_payload(request, session):
    """The signed preview id of an import page's form: its payload, or None when it is expired or not valid;
    404 for another user's or another session's preview."""
    try:
        payload = signing.loads(request.POST.get("upload", ""), salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
    except signing.BadSignature:
        return None
    if payload.get("s") != session.pk or payload.get("u") != request.user.pk:
        raise Http404
    return payload


@staff_required
def registration_import_template(request, session_pk):
    session = _session(request, session_pk)
    province = _acting_province(request, request.GET.get("province"))
    roles = roles_with_seats(session, province) if province else RoleCategory.objects.filter(quota__session=session).distinct()
    return download_response(template_bytes(roles=list(roles), province=province), TEMPLATE_FILENAME, XLSX_TYPE)


@staff_required
def registration_import(request, session_pk):
    """Upload → preview (every problem by row and column, or the people to be added) → confirm."""
    session = _session(request, session_pk)
    central = is_central(request.user)
    province_form = ProvinceChoiceForm(request.POST or None) if central else None
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    context = {
        "session": session,
        "form": form,
        "province_form": province_form,
        "province": None if central else user_province(request.user),
        "can_change": _can_change(request, session),
    }
    if request.method != "POST":
        return render(request, "registration/import.html", context)
    valid = form.is_valid() & (province_form.is_valid() if central else True)
    if not valid:
        return render(request, "registration/import.html", context, status=400)
    province = province_form.cleaned_data["province"] if central else user_province(request.user)
    context["province"] = province
    upload = form.cleaned_data["file"]
    try:
        check_file_size(upload.size)  # before reading it into memory
        content = upload.read()
        result = import_participants(session=session, province=province, content=content, filename=upload.name, actor=request.user, dry_run=True)
    except ImportRejected as rejected:
        add_error_message(request, rejected)
        context.update({**_problems_context(rejected.details["problems"]), "filename": upload.name})
        return render(request, "registration/import_preview.html", context, status=400)
    except RegistrationError as error:
        add_form_error(form, error)
        return render(request, "registration/import.html", context, status=400)
    signed = ""
    if result.created:  # else there is nothing to confirm, and nothing to keep
        # Encrypted, as the national IDs in it are in the database.
        staged = staging.stage(encrypt_file(content))
        signed = signing.dumps(
            {"f": staged, "s": session.pk, "p": province.code, "u": request.user.pk, "h": hashlib.sha256(content).hexdigest()},
            salt=IMPORT_SALT,
        )
    context.update({"result": result, "signed": signed, "filename": upload.name, "preview_rows": result.created[:200]})
    return render(request, "registration/import_preview.html", context)


@require_POST
@staff_required
def registration_import_confirm(request, session_pk):
    """Import the staged file named by the signed id; the rows are read again from the server's copy."""
    session = _session(request, session_pk)
    payload = _import_payload(request, session)
    if payload is None:
        add_error_message(
            request, ImportFileError(gettext("This preview has expired or is not valid. Upload the file again."), code="preview_expired")
        )
        return redirect(reverse("registration:import", kwargs={"session_pk": session.pk}))
    province = _acting_province(request, payload.get("p")) if is_central(request.user) else user_province(request.user)
    if province is None or province.code != payload.get("p"):
        raise Http404
    name = str(payload.get("f", ""))
    try:
        content = decrypt_file(staging.read_staged(name))
    except ValueError:
        raise Http404 from None
    except (OSError, InvalidToken):
        add_error_message(
            request, ImportFileError(gettext("This preview was already imported or has expired. Upload the file again."), code="preview_used")
        )
        return redirect(reverse("registration:import", kwargs={"session_pk": session.pk}))
    if hashlib.sha256(content).hexdigest() != payload.get("h"):
        raise Http404
    try:
        result = import_participants(session=session, province=province, content=content, actor=request.user)
    except ImportRejected as rejected:
        # Something changed since the preview (a seat taken, a person registered elsewhere): show why. The
        # file is spent: a corrected one must be uploaded.
        staging.discard(name)
        add_error_message(request, rejected)
        return render(
            request,
            "registration/import_preview.html",
            {"session": session, "province": province, **_problems_context(rejected.details["problems"])},
            status=400,
        )
    except RegistrationError as error:
        staging.discard(name)
        add_error_message(request, error)
        return redirect(reverse("registration:import", kwargs={"session_pk": session.pk}))
    # (Anything else, such as the database being away, keeps the file for another try until it expires.)
    staging.discard(name)
    messages.success(
        request,
        gettext("Imported %(created)s people for %(province)s; %(skipped)s were already registered and were skipped.")
        % {"created": len(result.created), "province": province.name, "skipped": len(result.already_registered)},
    )
    url = _list_url(session)
    return redirect(f"{url}?province={province.code}" if is_central(request.user) else url)


@require_POST
@staff_required
def registration_import_cancel(request, session_pk):
    """Delete the staged file of a preview the officer does not import."""
    session = _session(request, session_pk)
    payload = _import_payload(request, session)
    if payload is not None:
        try:
            staging.discard(str(payload.get("f", "")))
        except ValueError:
            raise Http404 from None
        messages.info(request, gettext("The uploaded file is deleted; nobody was imported."))
    return redirect(reverse("registration:import", kwargs={"session_pk": session.pk}))


# --- printables -----------------------------------------------------------------------------------------


def _printable_province(request):
    """The one province central staff chose for a PDF (?province=TH-52), or None for all of them."""
    code = request.GET.get("province", "")
    if is_central(request.user) and code and code != "all":
        return get_object_or_404(Province, code=code)
    return None


def _printable_registrations(request, session):
    """Active registrations for a PDF: an officer's province; central staff choose one province or all."""
    registrations = get_registrations_for_user(request.user, session).active()
    province = _printable_province(request)
    if province is not None:
        registrations = registrations.filter(province=province)
    return sorted_in_list_order(registrations)


def _whole_session(request):
    """Central staff asking for every province at once (no ?province=, or ?province=all)."""
    return is_central(request.user) and _printable_province(request) is None


def _start_session_pdf(request, session, kind, audit_kind):
    """Every province's PDF is made by a background job (registration/jobs.py). GET shows the button that
    starts it (a link never starts work); POST starts it, logs the export and shows its progress."""
    count = Registration.objects.active().filter(session=session).count()
    if request.method != "POST":
        return render(
            request, "registration/session_pdf_start.html", {"session": session, "kind": kind, "badges": kind == BADGES_KIND, "count": count}
        )
    job = start_session_pdf_job(kind=kind, session=session, actor=request.user)
    record_list_export(request, kind=audit_kind, session=session, count=count, details={"job": str(job.pk)})
    return redirect("meetings:job_detail", job_id=job.pk)


@require_http_methods(["GET", "POST"])
@staff_required
def registration_badges(request, session_pk):
    """One province's badges, made at once; every province's (central staff) by a background job."""
    session = _session(request, session_pk)
    if _whole_session(request):
        return _start_session_pdf(request, session, BADGES_KIND, "badges.pdf")
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    registrations = list(_printable_registrations(request, session))
    pdf = render_pdf(BADGES_TEMPLATE, badge_context(session, registrations))
    record_list_export(request, kind="badges.pdf", session=session, count=len(registrations), province=_printable_province(request))
    return pdf_response(pdf, f"badges-{session.pk}.pdf")


@require_http_methods(["GET", "POST"])
@staff_required
def registration_list_pdf(request, session_pk):
    """One province's list, made at once; every province's (central staff) by a background job."""
    session = _session(request, session_pk)
    if _whole_session(request):
        return _start_session_pdf(request, session, LIST_KIND, "registrations.pdf")
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    registrations = list(_printable_registrations(request, session))
    pdf = render_pdf(LIST_TEMPLATE, {"session": session, "groups": by_province(registrations)})
    record_list_export(request, kind="registrations.pdf", session=session, count=len(registrations), province=_printable_province(request))
    return pdf_response(pdf, f"registrations-{session.pk}.pdf")


# --- the attendee's personal page ----------------------------------------------------------------


@never_cache
def personal_page(request, token):
    """An attendee's own page, reached through the signed link in their QR code (no password)."""
    registration = get_registration_by_token(token)
    session = registration.session
    response = render(
        request,
        "registration/personal.html",
        {
            "registration": registration,
            "session": session,
            "token": token,
            "venue": registration.venue,
            "agenda": session.agenda_items.all(),
            # The check-in ticket, not the personal link: a photo of the screen opens nothing.
            "qr": qr_svg(registration.get_ticket()),
            "line": line_card(registration),  # None when LINE is not set up (registration/line.py)
        },
    )
    response["X-Robots-Tag"] = "noindex"
    # same-origin, not no-referrer: forms on this page (certificate, check-in) need a real Origin for CSRF.
    response["Referrer-Policy"] = "same-origin"
    # Remembered on this phone so that scanning a venue's check-in QR needs only a tap.
    remember_personal_token(response, token)
    return response


@never_cache
def personal_data_download(request, token):
    """The person's own data as a JSON file, from their personal page (PDPA s. 30); logged."""
    registration = get_registration_by_token(token)
    data = export_personal_data(registration=registration, actor=None, ip_address=client_ip(request))
    return _personal_data_response(data, registration)


def personal_calendar(request, token):
    """The session as an .ics file for the person behind a personal link, with their venue's join details."""
    registration = get_registration_by_token(token)
    response = calendar_response(request, registration.session, venue=registration.venue, include_join=True)
    response["X-Robots-Tag"] = "noindex"
    return response


# --- opting out of messages (the link in a reminder) -------------------------------------------------


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def opt_out_page(request, token):
    """What an opt-out link stops, and a button. Opening the link changes nothing: mail scanners and link
    previews open every link of a message. The POST stops the messages (or, with action=opt_in, starts them
    again). Without CSRF protection on purpose: the signed token is the authority (anyone who could forge the
    request holds the link anyway), and a mail program's one-click unsubscribe (RFC 8058, List-Unsubscribe-Post)
    posts without the page's cookie."""
    registration, channel = get_opt_out_by_token(token)
    if request.method == "POST":
        if request.POST.get("action") == "opt_in":
            opt_in(registration=registration, channel=channel)
        else:
            opt_out(registration=registration, channel=channel)
        return redirect(request.path)
    response = render(
        request,
        "registration/opt_out.html",
        {"session": registration.session, "channel": MessageChannel(channel).label, "opted_out": has_opted_out(registration.pk, channel)},
    )
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
