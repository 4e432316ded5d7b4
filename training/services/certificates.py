"""Certificates: the session's rule, issuing (one person or a whole session), revoking and reissuing.

Names and titles are copied onto the certificate when it is issued; a reissue prints corrections under a new number.
"""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.models import Registration
from training.models import Certificate
from training.selectors import certificate_shortfalls, eligible_registrations, without_valid_certificate
from training.services import TrainingError, lock_registration


def save_certificate_rule(*, rule):
    rule.full_clean()
    rule.save()
    return rule


def issue_certificate(*, registration, actor=None):
    """The registration's valid certificate; issued now if the session's rule is met. Idempotent.

    `actor` is the staff user issuing it, or None when the attendee claims it through their personal link.
    """
    with transaction.atomic():
        lock_registration(registration.pk)
        existing = Certificate.objects.valid().filter(registration=registration).first()
        if existing is not None:
            return existing
        missing = certificate_shortfalls(registration)
        if missing:
            raise TrainingError(
                _("The certificate cannot be issued yet: %(missing)s") % {"missing": " ".join(missing)},
                "not_eligible",
            )
        return _create_certificate(registration, actor)


def issue_certificates_for_session(*, session, actor=None):
    """Issue a certificate to every registration that meets the rule and has none. Returns how many.

    One transaction; if an attendee claims theirs at the same moment, the unique constraint on
    valid certificates makes this batch fail cleanly (nothing written) and it can be run again.
    """
    try:
        with transaction.atomic():
            registrations = list(without_valid_certificate(eligible_registrations(session)))
            date = timezone.localtime(session.starts_at).date()
            certificates = [
                Certificate(
                    session=session,
                    registration=registration,
                    number=_new_certificate_number(session),
                    holder_name=registration.full_name,
                    session_title=session.title,
                    session_date=date,
                    issued_by=actor,
                )
                for registration in registrations
            ]
            Certificate.objects.bulk_create(certificates, batch_size=500)
    except IntegrityError:
        raise TrainingError(_("Someone received a certificate at the same moment; nothing was issued. Please try again."), "conflict") from None
    return len(certificates)


def revoke_certificate(*, certificate, actor, reason=""):
    with transaction.atomic():
        updated = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor, revoke_reason=reason[:300]
        )
        if not updated:
            raise TrainingError(_("This certificate has already been revoked."), "already_revoked")
    certificate.refresh_from_db()
    return certificate


def reissue_certificate(*, certificate, actor, reason=""):
    """Revoke `certificate` (if still valid) and issue a replacement with a new number and current names."""
    with transaction.atomic():
        lock_registration(certificate.registration_id)
        if Certificate.objects.valid().filter(registration_id=certificate.registration_id).exclude(pk=certificate.pk).exists():
            raise TrainingError(_("This person already holds a newer valid certificate."), "already_reissued")
        if certificate.revoked_at is None:
            Certificate.objects.filter(pk=certificate.pk).update(
                revoked_at=timezone.now(), revoked_by=actor, revoke_reason=(reason or _("Reissued"))[:300]
            )
        registration = Registration.objects.select_related("session").get(pk=certificate.registration_id)
        return _create_certificate(registration, actor, replaces=certificate)


def _new_certificate_number(session):
    # Year (BE) and session, then a random part: unique, and not a counter anyone could walk.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    year = timezone.localtime(session.starts_at).year + 543
    while True:
        tail = "".join(secrets.choice(alphabet) for _i in range(8))
        number = f"{year}-{session.pk:04d}-{tail}"
        if not Certificate.objects.filter(number=number).exists():
            return number


def _create_certificate(registration, actor, replaces=None):
    session = registration.session
    return Certificate.objects.create(
        session=session,
        registration=registration,
        number=_new_certificate_number(session),
        holder_name=registration.full_name,
        session_title=session.title,
        session_date=timezone.localtime(session.starts_at).date(),
        issued_by=actor,
        replaces=replaces,
    )
