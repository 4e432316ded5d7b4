"""Certificates: the attendee's claim and PDF, public verification by QR code, and for staff the session's
rule, the list, issuing, revoking, reissuing and downloading."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from meetings.audit import record_list_export
from meetings.pdf import pdf_response, render_pdf
from meetings.permissions import central_required, is_central, staff_required
from meetings.selectors import get_session_for_user
from training import selectors
from training.forms import CertificateRuleForm, RevokeForm
from training.jobs import CERTIFICATE_TEMPLATE, certificate_contexts, certificate_filename, start_certificates_job
from training.models import Certificate, CertificateRule
from training.services import TrainingError
from training.services.certificates import (
    issue_certificate,
    issue_certificates_for_session,
    reissue_certificate,
    revoke_certificate,
    save_certificate_rule,
)
from training.tokens import read_certificate_token
from training.views.errors import error_redirect
from training.views.personal import personal


def certificate_pdf_response(certificate, request=None):
    (context,) = certificate_contexts([certificate], selectors.get_certificate_rule(certificate.session), request)
    pdf = render_pdf(CERTIFICATE_TEMPLATE, context, request=request)
    return pdf_response(pdf, certificate_filename(certificate))


# --------------------------------------------------------------------------- attendee, through the personal link


@require_POST
@personal
def certificate_claim(request, registration, token):
    try:
        issue_certificate(registration=registration)
    except TrainingError as error:
        return error_redirect(request, error, "training:learn_home", token=token)
    return redirect("training:certificate_pdf", token=token)


@personal
def certificate_pdf(request, registration, token):
    certificate = selectors.get_valid_certificate(registration)
    if certificate is None:
        raise Http404("no valid certificate")
    return certificate_pdf_response(certificate, request)


# --------------------------------------------------------------------------- anyone holding the QR code


@never_cache
def verify_certificate(request, code):
    """Public: anyone holding the QR learns whether the certificate is valid — and only name, session, date."""
    number = read_certificate_token(code)
    certificate = selectors.get_certificate_by_number(number) if number else None
    response = render(
        request,
        "training/verify.html",
        {"certificate": certificate},
        status=200 if certificate else 404,
    )
    response["X-Robots-Tag"] = "noindex"
    return response


# --------------------------------------------------------------------------- staff


@central_required
def certificate_rule_edit(request, session_pk):
    session = get_session_for_user(request.user, session_pk)
    rule = CertificateRule.objects.filter(session=session).first() or CertificateRule(
        session=session,
        issuer=session.organiser_department,
        signatory_name=session.chair_name,
        signatory_title=session.chair_title,
    )
    form = CertificateRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        save_certificate_rule(rule=form.instance)
        messages.success(request, _("The certificate rule was saved."))
        return redirect("training:dashboard", session_pk=session.pk)
    return render(request, "training/staff/certificate_rule_form.html", {"session": session, "form": form})


CERTIFICATES_PAGE_SIZE = 100


@staff_required
def certificates_list(request, session_pk):
    session = get_session_for_user(request.user, session_pk)
    registrations = selectors.get_results_registrations_for_user(request.user, session)
    certificates = (
        Certificate.objects.filter(session=session, registration__in=registrations)
        .select_related("registration", "registration__province")
        .order_by("-issued_at", "-pk")
    )
    page = Paginator(certificates, CERTIFICATES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/staff/certificates.html",
        {
            "session": session,
            "certificates": page,
            "page": page,
            "rule": selectors.get_certificate_rule(session),
            "eligible_without": selectors.without_valid_certificate(
                selectors.eligible_registrations(session).filter(pk__in=registrations.values("pk"))
            ).count(),
            "is_central": is_central(request.user),
            "revoke_form": RevokeForm(),
        },
    )


@require_POST
@central_required
def certificates_issue(request, session_pk):
    session = get_session_for_user(request.user, session_pk)
    try:
        count = issue_certificates_for_session(session=session, actor=request.user)
    except TrainingError as error:
        return error_redirect(request, error, "training:certificates", session_pk=session.pk)
    messages.success(request, _("%(count)d certificates were issued.") % {"count": count})
    return redirect("training:certificates", session_pk=session.pk)


@require_POST
@central_required
def certificates_zip(request, session_pk):
    """Every valid certificate in one ZIP, made by a background job (training/jobs.py): start it, log the
    export, and show its progress."""
    session = get_session_for_user(request.user, session_pk)
    job = start_certificates_job(session=session, actor=request.user)
    count = Certificate.objects.valid().filter(session=session).count()
    record_list_export(request, kind="certificates.zip", session=session, count=count, details={"job": str(job.pk)})
    return redirect("meetings:job_detail", job_id=job.pk)


@require_POST
@central_required
def certificate_revoke(request, session_pk, pk):
    session = get_session_for_user(request.user, session_pk)
    certificate = selectors.get_certificate_for_staff(request.user, session, pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for revoking the certificate."))
        return redirect("training:certificates", session_pk=session.pk)
    try:
        revoke_certificate(certificate=certificate, actor=request.user, reason=form.cleaned_data["reason"])
    except TrainingError as error:
        return error_redirect(request, error, "training:certificates", session_pk=session.pk)
    messages.success(request, _("Certificate %(number)s was revoked.") % {"number": certificate.number})
    return redirect("training:certificates", session_pk=session.pk)


@require_POST
@central_required
def certificate_reissue(request, session_pk, pk):
    session = get_session_for_user(request.user, session_pk)
    certificate = selectors.get_certificate_for_staff(request.user, session, pk)
    try:
        new = reissue_certificate(certificate=certificate, actor=request.user, reason=request.POST.get("reason", ""))
    except TrainingError as error:
        return error_redirect(request, error, "training:certificates", session_pk=session.pk)
    messages.success(request, _("Certificate %(old)s was replaced by %(new)s.") % {"old": certificate.number, "new": new.number})
    return redirect("training:certificates", session_pk=session.pk)


@staff_required
def certificate_download(request, session_pk, pk):
    session = get_session_for_user(request.user, session_pk)
    certificate = selectors.get_certificate_for_staff(request.user, session, pk)
    if not certificate.is_valid:
        raise Http404("revoked")
    response = certificate_pdf_response(certificate, request)
    record_list_export(
        request,
        kind="certificate.pdf",
        session=session,
        count=1,
        province=certificate.registration.province_id,
        details={"certificate": certificate.pk},
    )
    return response
