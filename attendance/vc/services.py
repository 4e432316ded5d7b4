"""The writes of video-conference attendance: import a report, confirm or discard a waiting one, and a staff
member's decision on one name. Each is one transaction with its audit entry (meetings.audit.record); the
audit keeps ids and counts, never a name or an e-mail address."""

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from attendance.models import VcMatchRule, VcParticipant, VcParticipantKind, VcReport, VcReportStatus
from attendance.vc.codes import find_codes
from attendance.vc.formats import check_size, read_report
from attendance.vc.matching import group_rows, match_participants, staff_overrides
from attendance.vc.names import normalise
from meetings.audit import record
from meetings.errors import DomainError
from meetings.models import AuditAction, Session, Venue
from registration.models import Registration
from registration.thai_phone import normalise_phone

IMPORTED = _("Video-conference report %(report)s of session %(session)s imported (%(rows)s rows, %(participants)s names)")
CONFIRMED = _("Video-conference report %(report)s of session %(session)s confirmed (%(mode)s)")
DISCARDED = _("Video-conference report %(report)s of session %(session)s discarded before confirmation")
MATCH_SET = _("Name %(participant)s of video-conference report %(report)s: %(change)s by staff")


class VcReviewError(DomainError):
    """A refused review step (a report not waiting, a registration of another session…)."""


@dataclass
class ImportResult:
    report: VcReport  # unsaved for a dry run
    participants: list = field(default_factory=list)  # VcParticipant
    created: bool = True  # False: the same file was imported before, and nothing changed
    dry_run: bool = False
    replaces: list = field(default_factory=list)  # the active reports of the platform it replaces once confirmed

    @property
    def kinds(self):
        return Counter(p.kind for p in self.participants)

    @property
    def rules(self):
        return Counter(p.rule for p in self.participants if p.kind == VcParticipantKind.PERSON)


def file_hash(content):
    return hashlib.sha256(content).hexdigest()


def import_vc_report(*, session, content, filename="", platform=None, actor=None, request=None, dry_run=False):
    """Read, match and store a participants report of `session`. The same file again changes nothing
    (ImportResult.created is False). The first report of a platform is in use at once; a later one waits for
    confirm_vc_report. Raises VcReportError (attendance.vc.formats) for a file that cannot be used."""
    check_size(len(content))
    fingerprint = file_hash(content)
    existing = VcReport.objects.filter(session=session, file_hash=fingerprint).first()
    if existing is not None:
        return ImportResult(existing, list(existing.participants.all()), created=False, dry_run=dry_run)
    parsed = read_report(content, session=session, platform=platform)
    active = list(VcReport.objects.filter(session=session, platform=parsed.platform, status=VcReportStatus.ACTIVE))
    participants = group_rows(parsed.rows)
    match_participants(session, participants, overrides=staff_overrides(active))
    now = timezone.now()
    user = actor if getattr(actor, "is_authenticated", False) else None
    report = VcReport(
        session=session,
        platform=parsed.platform,
        status=VcReportStatus.PENDING if active else VcReportStatus.ACTIVE,
        file_hash=fingerprint,
        filename=(filename or "")[:255],
        encoding=parsed.encoding,
        rows=len(parsed.rows),
        meeting_started_at=parsed.meeting_started_at,
        meeting_ended_at=parsed.meeting_ended_at,
        uploaded_by=user,
        uploaded_at=now,
        confirmed_by=None if active else user,
        confirmed_at=None if active else now,
    )
    result = ImportResult(report, participants, dry_run=dry_run, replaces=active)
    if dry_run:
        return result
    try:
        with transaction.atomic():
            # One upload at a time per session decides whether a report waits: two first reports of a
            # platform uploaded at once must not both be in use.
            Session.objects.select_for_update().filter(pk=session.pk).first()
            active = list(VcReport.objects.filter(session=session, platform=parsed.platform, status=VcReportStatus.ACTIVE))
            if active and report.status == VcReportStatus.ACTIVE:
                report.status, report.confirmed_by, report.confirmed_at = VcReportStatus.PENDING, None, None
            result.replaces = active
            report.save()
            for participant in participants:
                participant.report = report
            VcParticipant.objects.bulk_create(participants, batch_size=500)
            kinds = result.kinds
            record(
                action=AuditAction.REGISTRATION_IMPORTED,
                actor=actor,
                obj=report,
                summary=IMPORTED,
                params={"report": report.pk, "session": session.pk, "rows": report.rows, "participants": len(participants)},
                details={
                    "step": "imported",
                    "session": session.pk,
                    "platform": report.platform,
                    "status": report.status,
                    "rows": report.rows,
                    "participants": len(participants),
                    "people": kinds[VcParticipantKind.PERSON],
                    "rooms": kinds[VcParticipantKind.ROOM],
                    "unmatched": kinds[VcParticipantKind.UNMATCHED],
                },
                request=request,
            )
    except IntegrityError:
        # The same file, uploaded at the same moment by someone else: theirs is the one kept.
        existing = VcReport.objects.filter(session=session, file_hash=fingerprint).first()
        if existing is None:
            raise
        return ImportResult(existing, list(existing.participants.all()), created=False)
    return result


def _locked_report(report):
    return VcReport.objects.select_for_update().select_related("session").get(pk=report.pk)


def confirm_vc_report(*, report, replace, actor, request=None):
    """Put a waiting report in use: replacing the platform's reports in use (`replace`), or beside them (the
    meeting was restarted and this is its second report)."""
    with transaction.atomic():
        report = _locked_report(report)
        if report.status != VcReportStatus.PENDING:
            raise VcReviewError(gettext("This report is not waiting for confirmation."), code="not_pending")
        replaced = []
        if replace:
            replaced = list(
                VcReport.objects.select_for_update().filter(session=report.session_id, platform=report.platform, status=VcReportStatus.ACTIVE)
            )
            VcReport.objects.filter(pk__in=[r.pk for r in replaced]).update(status=VcReportStatus.REPLACED, replaced_by=report)
        report.status = VcReportStatus.ACTIVE
        report.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
        report.confirmed_at = timezone.now()
        report.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        mode = "replace" if replace else "add"
        record(
            action=AuditAction.REGISTRATION_IMPORTED,
            actor=actor,
            obj=report,
            summary=CONFIRMED,
            params={"report": report.pk, "session": report.session_id, "mode": mode},
            details={"step": "confirmed", "session": report.session_id, "mode": mode, "replaced": [r.pk for r in replaced]},
            request=request,
        )
    return report


def discard_vc_report(*, report, actor, request=None):
    """Delete a report that is waiting for confirmation, with its names."""
    with transaction.atomic():
        report = _locked_report(report)
        if report.status != VcReportStatus.PENDING:
            raise VcReviewError(gettext("Only a report waiting for confirmation can be discarded."), code="not_pending")
        pk, session_id, count = report.pk, report.session_id, report.participants.count()
        record(
            action=AuditAction.REGISTRATION_IMPORTED,
            actor=actor,
            obj=report,
            summary=DISCARDED,
            params={"report": pk, "session": session_id},
            details={"step": "discarded", "session": session_id, "participants": count},
            request=request,
        )
        report.delete()


def find_registration(session, text):
    """The active registration of `session` that `text` names by its registration code or phone number."""
    text = normalise(text).strip()
    pks = find_codes(text.upper())
    registrations = Registration.objects.active().filter(session=session)
    found = registrations.filter(pk__in=pks) if pks else registrations.none()
    if not pks:
        phone = normalise_phone(text)
        if phone:
            found = registrations.filter(phone=phone)
    found = list(found[:2])
    if len(found) != 1:
        raise VcReviewError(
            gettext("No one registered for this session has that registration code or phone number."),
            code="no_registration",
            details={"field": "who"},
        )
    return found[0]


CHANGES = {
    "confirm": _("match confirmed"),
    "person": _("matched to registration %(registration)s"),
    "room": _("matched to the room of venue %(venue)s"),
    "ignore": _("marked as not a participant"),
    "unmatch": _("match removed"),
}


def set_vc_match(*, participant, action, actor, registration=None, venue=None, request=None):
    """A staff member's decision on one name: "confirm" the match as it is, match it to a "person"
    (`registration`) or a "room" (`venue`), "ignore" it (the host, an interpreter) or "unmatch" it."""
    if action not in CHANGES:
        raise VcReviewError(gettext("Choose what to do with this name."), code="bad_action")
    with transaction.atomic():
        participant = VcParticipant.objects.select_for_update().select_related("report").get(pk=participant.pk)
        session_id = participant.report.session_id
        before = {"kind": participant.kind, "registration": participant.registration_id, "venue": participant.venue_id}
        if action == "confirm" and participant.kind == VcParticipantKind.UNMATCHED:
            raise VcReviewError(gettext("There is no match to confirm: choose a registration or a room."), code="nothing_to_confirm")
        if action == "person":
            if registration is None or registration.session_id != session_id or not Registration.objects.active().filter(pk=registration.pk).exists():
                raise VcReviewError(gettext("Choose a person registered for this session."), code="no_registration", details={"field": "who"})
            participant.kind, participant.registration_id, participant.venue_id = VcParticipantKind.PERSON, registration.pk, None
        elif action == "room":
            if venue is None or not Venue.objects.filter(pk=venue.pk, session_id=session_id).exists():
                raise VcReviewError(gettext("Choose a venue of this session."), code="no_venue", details={"field": "venue"})
            participant.kind, participant.registration_id, participant.venue_id = VcParticipantKind.ROOM, None, venue.pk
        elif action == "ignore":
            participant.kind, participant.registration_id, participant.venue_id = VcParticipantKind.IGNORED, None, None
        elif action == "unmatch":
            participant.kind, participant.registration_id, participant.venue_id = VcParticipantKind.UNMATCHED, None, None
        if action != "confirm":
            participant.rule = VcMatchRule.STAFF
            participant.confidence = 100
        participant.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
        participant.confirmed_at = timezone.now()
        participant.save(update_fields=["kind", "registration", "venue", "rule", "confidence", "confirmed_by", "confirmed_at"])
        after = {"kind": participant.kind, "registration": participant.registration_id, "venue": participant.venue_id}
        person = participant.registration_id or before["registration"]
        province = Registration.objects.filter(pk=person).values_list("province_id", flat=True).first() if person else None
        change = CHANGES[action]
        with_params = {"registration": participant.registration_id, "venue": participant.venue_id}
        record(
            action=AuditAction.REGISTRATION_UPDATED,
            actor=actor,
            obj=participant,
            province=province,
            summary=MATCH_SET,
            params={"participant": participant.pk, "report": participant.report_id, "change": _Deferred(change, with_params)},
            details={"step": "vc_match", "session": session_id, "report": participant.report_id, "action": action, "from": before, "to": after},
            request=request,
        )
    return participant


class _Deferred:
    """A lazily translated text with its own placeholders, rendered when the audit entry's summary is (in the
    site's language)."""

    def __init__(self, text, params):
        self.text, self.params = text, params

    def __str__(self):
        return str(self.text) % self.params if "%(" in str(self.text) else str(self.text)
