"""Importing reports: stored with their matches and audited; the same file twice changes nothing; a second
report of a platform waits for confirmation (replace or add); staff decisions are audited and carried over to
the report that replaces; the management command does the same (and --dry-run writes nothing)."""

import io

import pytest
from django.core.management import CommandError, call_command

from attendance.models import VcMatchRule, VcParticipant, VcParticipantKind, VcReport, VcReportStatus
from attendance.tests.vc_files import Connection, bangkok, code_name, teams_text, zoom_csv
from attendance.vc.services import VcReviewError, confirm_vc_report, discard_vc_report, import_vc_report, set_vc_match
from meetings.models import AuditAction, AuditEntry
from meetings.tests.factories import make_session, make_venue
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db

NINE, NOON = bangkok(2021, 11, 25, 9), bangkok(2021, 11, 25, 12)


@pytest.fixture
def vc_session(central_organiser):
    return make_session(starts_at=NINE, created_by=central_organiser)


@pytest.fixture
def lampang(vc_session):
    return make_venue(vc_session, "TH-52")


@pytest.fixture
def somsri(vc_session, lampang):
    return make_registration(vc_session, "TH-52", venue=lampang, prefix="นาง", first_name="สมศรี", last_name="มีสุข")


@pytest.fixture
def boonmee(vc_session, lampang):
    return make_registration(vc_session, "TH-52", venue=lampang, first_name="บุญมี", last_name="ใจงาม")


def _zoom(*names, end=NOON):
    return zoom_csv([Connection(name, "", NINE, end) for name in names])


def test_import_stores_names_matches_and_an_audit_entry(vc_session, somsri, lampang, central_organiser):
    result = import_vc_report(
        session=vc_session, content=_zoom(code_name(somsri), "สนง.พช.จ.ลำปาง", "iPhone"), filename="zoom.csv", actor=central_organiser
    )
    report = VcReport.objects.get()
    assert result.created and report.status == VcReportStatus.ACTIVE and report.confirmed_by == central_organiser
    kinds = dict(report.participants.values_list("display_name", "kind"))
    assert kinds == {code_name(somsri): "person", "สนง.พช.จ.ลำปาง": "room", "iPhone": "unmatched"}
    entry = AuditEntry.objects.get()
    assert entry.action == AuditAction.REGISTRATION_IMPORTED and entry.object_type == "attendance.vcreport"
    assert entry.details["people"] == 1 and entry.details["rooms"] == 1 and "สมศรี" not in str(entry.details) + entry.summary


def test_importing_the_same_file_twice_changes_nothing(vc_session, somsri, central_organiser):
    content = _zoom(code_name(somsri), "iPhone")
    first = import_vc_report(session=vc_session, content=content, filename="zoom.csv", actor=central_organiser)
    participant = first.report.participants.get(display_name="iPhone")
    set_vc_match(participant=participant, action="ignore", actor=central_organiser)
    before = (VcReport.objects.count(), VcParticipant.objects.count(), AuditEntry.objects.count())
    again = import_vc_report(session=vc_session, content=content, filename="again.csv", actor=central_organiser)
    assert not again.created and again.report.pk == first.report.pk
    assert (VcReport.objects.count(), VcParticipant.objects.count(), AuditEntry.objects.count()) == before
    participant.refresh_from_db()
    assert participant.kind == VcParticipantKind.IGNORED  # the staff decision stands


def test_a_second_report_of_a_platform_waits_until_confirmed(vc_session, somsri, boonmee, central_organiser):
    first = import_vc_report(session=vc_session, content=_zoom(somsri.full_name), filename="a.csv", actor=central_organiser).report
    second = import_vc_report(session=vc_session, content=_zoom(boonmee.full_name), filename="b.csv", actor=central_organiser).report
    assert second.status == VcReportStatus.PENDING and second.confirmed_at is None
    assert list(VcParticipant.objects.counted().values_list("registration_id", flat=True)) == [somsri.pk]
    confirm_vc_report(report=second, replace=True, actor=central_organiser)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.replaced_by_id, second.status) == (VcReportStatus.REPLACED, second.pk, VcReportStatus.ACTIVE)
    assert list(VcParticipant.objects.counted().values_list("registration_id", flat=True)) == [boonmee.pk]


def test_a_restarted_meeting_adds_its_report_beside_the_first(vc_session, somsri, boonmee, central_organiser):
    import_vc_report(session=vc_session, content=teams_text([Connection(somsri.full_name, "", NINE, NOON)]), actor=central_organiser)
    restarted = teams_text([Connection(boonmee.full_name, "", bangkok(2021, 11, 25, 10), NOON)])
    second = import_vc_report(session=vc_session, content=restarted, actor=central_organiser).report
    confirm_vc_report(report=second, replace=False, actor=central_organiser)
    assert set(VcParticipant.objects.counted().values_list("registration_id", flat=True)) == {somsri.pk, boonmee.pk}
    assert VcReport.objects.filter(status=VcReportStatus.ACTIVE).count() == 2


def test_only_a_waiting_report_is_confirmed_or_discarded(vc_session, somsri, central_organiser):
    report = import_vc_report(session=vc_session, content=_zoom(somsri.full_name), actor=central_organiser).report
    with pytest.raises(VcReviewError) as refused:
        confirm_vc_report(report=report, replace=True, actor=central_organiser)
    assert refused.value.code == "not_pending"
    with pytest.raises(VcReviewError):
        discard_vc_report(report=report, actor=central_organiser)
    assert VcReport.objects.filter(status=VcReportStatus.ACTIVE).count() == 1


def test_discarding_a_waiting_report_deletes_it_and_is_audited(vc_session, somsri, central_organiser):
    import_vc_report(session=vc_session, content=_zoom(somsri.full_name), actor=central_organiser)
    waiting = import_vc_report(session=vc_session, content=_zoom("iPhone"), actor=central_organiser).report
    discard_vc_report(report=waiting, actor=central_organiser)
    assert not VcReport.objects.filter(pk=waiting.pk).exists() and not VcParticipant.objects.filter(report_id=waiting.pk).exists()
    assert AuditEntry.objects.filter(details__step="discarded").count() == 1


def test_staff_fix_a_match_and_it_is_audited_without_names(vc_session, somsri, boonmee, central_organiser):
    report = import_vc_report(session=vc_session, content=_zoom("แม่ศรี"), actor=central_organiser).report
    participant = report.participants.get()
    assert participant.kind == VcParticipantKind.UNMATCHED
    set_vc_match(participant=participant, action="person", registration=somsri, actor=central_organiser)
    participant.refresh_from_db()
    assert (participant.kind, participant.registration_id, participant.rule, participant.confirmed_by) == (
        "person",
        somsri.pk,
        "staff",
        central_organiser,
    )
    entry = AuditEntry.objects.filter(action=AuditAction.REGISTRATION_UPDATED).get()
    assert entry.details["to"]["registration"] == somsri.pk and entry.province_id == somsri.province_id
    assert "แม่ศรี" not in entry.summary + str(entry.details) and "สมศรี" not in entry.summary


def test_staff_confirm_keeps_the_rule(vc_session, somsri, central_organiser):
    report = import_vc_report(session=vc_session, content=_zoom(somsri.full_name), actor=central_organiser).report
    participant = set_vc_match(participant=report.participants.get(), action="confirm", actor=central_organiser)
    assert participant.rule == VcMatchRule.NAME and participant.confirmed_at is not None


def test_a_registration_of_another_session_is_refused(vc_session, somsri, central_organiser):
    report = import_vc_report(session=vc_session, content=_zoom("iPhone"), actor=central_organiser).report
    elsewhere = make_registration(make_session(created_by=central_organiser), "TH-52", first_name="ก", last_name="ข")
    with pytest.raises(VcReviewError) as refused:
        set_vc_match(participant=report.participants.get(), action="person", registration=elsewhere, actor=central_organiser)
    assert refused.value.code == "no_registration"
    assert report.participants.get().kind == VcParticipantKind.UNMATCHED


def test_staff_decisions_carry_over_to_the_report_that_replaces(vc_session, somsri, central_organiser):
    first = import_vc_report(session=vc_session, content=_zoom("แม่ศรี"), actor=central_organiser).report
    set_vc_match(participant=first.participants.get(), action="person", registration=somsri, actor=central_organiser)
    second = import_vc_report(session=vc_session, content=_zoom("แม่ศรี", end=bangkok(2021, 11, 25, 11)), actor=central_organiser).report
    participant = second.participants.get()
    assert (participant.kind, participant.registration_id, participant.rule) == ("person", somsri.pk, VcMatchRule.STAFF)


def test_command_imports_and_dry_run_writes_nothing(vc_session, somsri, tmp_path):
    path = tmp_path / "zoom.csv"
    path.write_bytes(_zoom(code_name(somsri), "สนง.พช.จ.ลำปาง"))
    out = io.StringIO()
    call_command("import_vc_report", str(vc_session.pk), str(path), "--dry-run", "--language", "en", stdout=out)
    assert "would import 2 rows" in out.getvalue() and not VcReport.objects.exists()
    out = io.StringIO()
    call_command("import_vc_report", vc_session.slug, str(path), "--platform", "zoom", stdout=out)
    assert VcReport.objects.get().participants.count() == 2 and "people 1" in out.getvalue()
    out = io.StringIO()
    call_command("import_vc_report", vc_session.slug, str(path), stdout=out)
    assert "nothing changed" in out.getvalue() and VcReport.objects.count() == 1


def test_command_confirms_a_replacement_with_replace(vc_session, somsri, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes(_zoom(somsri.full_name))
    second.write_bytes(_zoom(somsri.full_name, end=bangkok(2021, 11, 25, 11)))
    call_command("import_vc_report", str(vc_session.pk), str(first), stdout=io.StringIO())
    call_command("import_vc_report", str(vc_session.pk), str(second), "--replace", stdout=io.StringIO())
    assert list(VcReport.objects.order_by("pk").values_list("status", flat=True)) == [VcReportStatus.REPLACED, VcReportStatus.ACTIVE]


def test_command_refuses_a_bad_file_with_its_message(vc_session, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="The file is empty"):
        call_command("import_vc_report", str(vc_session.pk), str(path), "--language", "en")
    with pytest.raises(CommandError, match="This is a Zoom report, but Webex was chosen"):
        path.write_bytes(_zoom("x"))
        call_command("import_vc_report", str(vc_session.pk), str(path), "--platform", "webex", "--language", "en")
    assert not VcReport.objects.exists()
