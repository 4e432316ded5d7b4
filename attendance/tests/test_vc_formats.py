"""Reading participants reports: each platform's format found from its headers, the encodings, the platforms'
times, and every bad file refused with a message that names what was expected (nothing is written)."""

import datetime

import pytest
from django.utils import translation

from attendance.models import VcReport
from attendance.tests.vc_files import BANGKOK, Connection, bangkok, teams_text, webex_text, zoom_csv, zoom_xlsx
from attendance.vc.formats import VcReportError, read_report
from attendance.vc.services import import_vc_report
from meetings.models import AuditEntry
from meetings.tests.factories import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def vc_session(central_organiser):
    return make_session(starts_at=bangkok(2021, 11, 25, 9), created_by=central_organiser)


def _connections():
    return [
        Connection("สมศรี มีสุข", "somsri@example.org", bangkok(2021, 11, 25, 8, 55, 12), bangkok(2021, 11, 25, 10, 0)),
        Connection("สมศรี มีสุข", "somsri@example.org", bangkok(2021, 11, 25, 10, 5), bangkok(2021, 11, 25, 12, 0)),
        Connection("สนง.พช.จ.ลำปาง", "", bangkok(2021, 11, 25, 8, 45), bangkok(2021, 11, 25, 12, 2), guest=True),
    ]


def _refusal(content, session, **kwargs):
    with translation.override("en"), pytest.raises(VcReportError) as refused:
        read_report(content, session=session, **kwargs)
    return refused.value


def test_zoom_report_is_read_from_its_headers(vc_session):
    report = read_report(zoom_csv(_connections()), session=vc_session)
    assert report.platform == "zoom" and report.encoding == "utf-8"
    assert [(r.name, r.email) for r in report.rows][:2] == [("สมศรี มีสุข", "somsri@example.org")] * 2
    assert report.rows[0].joined == bangkok(2021, 11, 25, 8, 55, 12)
    assert report.rows[2].guest is True and report.rows[0].guest is False


def test_zoom_report_with_meeting_data_gives_the_meeting_times(vc_session):
    content = zoom_csv(_connections(), meeting=(bangkok(2021, 11, 25, 8, 40), bangkok(2021, 11, 25, 12, 10)))
    report = read_report(content, session=vc_session)
    assert report.meeting_started_at == bangkok(2021, 11, 25, 8, 40) and report.meeting_ended_at == bangkok(2021, 11, 25, 12, 10)
    assert len(report.rows) == 3


def test_zoom_renamed_participant_keeps_the_original_name(vc_session):
    renamed = [Connection("P104277 สมศรี มีสุข (iPhone ของสมศรี)", "", bangkok(2021, 11, 25, 9), bangkok(2021, 11, 25, 11))]
    row = read_report(zoom_csv(renamed), session=vc_session).rows[0]
    assert (row.name, row.original_name) == ("P104277 สมศรี มีสุข", "iPhone ของสมศรี")


def test_zoom_report_with_a_bom_is_read(vc_session):
    report = read_report(zoom_csv(_connections(), bom=True), session=vc_session)
    assert report.encoding == "utf-8-sig" and report.rows[0].name == "สมศรี มีสุข"


def test_thai_windows_encoding_is_read(vc_session):
    report = read_report(zoom_csv(_connections(), encoding="cp874"), session=vc_session)
    assert report.encoding == "cp874" and report.rows[2].name == "สนง.พช.จ.ลำปาง"


def test_zoom_report_saved_as_xlsx_is_read(vc_session):
    report = read_report(zoom_xlsx(_connections()), session=vc_session)
    assert report.encoding == "xlsx" and report.rows[1].left == bangkok(2021, 11, 25, 12)


def test_webex_report_in_utf16_tabs_is_read(vc_session):
    report = read_report(webex_text(_connections()), session=vc_session)
    assert report.platform == "webex" and report.encoding == "utf-16"
    assert report.rows[1].joined == bangkok(2021, 11, 25, 10, 5)


def test_webex_report_as_comma_separated_utf8_is_read(vc_session):
    report = read_report(webex_text(_connections(), encoding="utf-8", delimiter=","), session=vc_session)
    assert report.platform == "webex" and len(report.rows) == 3


def test_teams_report_in_utf16_reads_activities_and_summary(vc_session):
    content = teams_text(_connections(), start=bangkok(2021, 11, 25, 8, 40), end=bangkok(2021, 11, 25, 12, 10))
    assert content.startswith(b"\xff\xfe")
    report = read_report(content, session=vc_session)
    assert report.platform == "teams" and report.encoding == "utf-16"
    assert len(report.rows) == 3  # one per join and leave (3. In-Meeting Activities)
    assert report.meeting_started_at == bangkok(2021, 11, 25, 8, 40)
    assert report.rows[0].joined == bangkok(2021, 11, 25, 8, 55, 12)


def test_teams_report_without_activities_counts_first_join_to_last_leave(vc_session):
    report = read_report(teams_text(_connections(), activities=False), session=vc_session)
    first = [r for r in report.rows if r.name == "สมศรี มีสุข"]
    assert len(first) == 1 and (first[0].joined, first[0].left) == (bangkok(2021, 11, 25, 8, 55, 12), bangkok(2021, 11, 25, 12))


def test_teams_day_first_dates_are_told_apart_by_the_session_date(central_organiser):
    """3/4/2021: the 3 April session reads Teams' "03/04/2021" day first, Zoom's "04/03/2021" month first."""
    session = make_session(starts_at=bangkok(2021, 4, 3, 9), created_by=central_organiser)
    people = [Connection("ก ข", "", bangkok(2021, 4, 3, 9), bangkok(2021, 4, 3, 11))]
    assert read_report(teams_text(people), session=session).rows[0].joined == bangkok(2021, 4, 3, 9)
    assert read_report(zoom_csv(people), session=session).rows[0].joined == bangkok(2021, 4, 3, 9)


def test_times_with_an_offset_are_taken_at_their_offset(vc_session):
    content = ("Display name,Email,Joined,Left,Duration\r\nสมศรี,,2021-11-25T02:00:00Z,2021-11-25 11:30:00 GMT+07:00,30\r\n").encode()
    row = read_report(content, session=vc_session).rows[0]
    assert row.joined == bangkok(2021, 11, 25, 9) and row.left == bangkok(2021, 11, 25, 11, 30)


def test_a_meeting_across_midnight_is_one_report(central_organiser):
    session = make_session(starts_at=bangkok(2021, 11, 25, 22), created_by=central_organiser)  # 22:00 to 01:00
    people = [Connection("สมศรี มีสุข", "", bangkok(2021, 11, 25, 23, 50), bangkok(2021, 11, 26, 0, 40))]
    row = read_report(zoom_csv(people), session=session).rows[0]
    assert row.left - row.joined == datetime.timedelta(minutes=50)
    assert "11/26/2021 12:40:00 AM" in zoom_csv(people).decode()


# --- bad files: each with its message, nothing written -------------------------------------------------------


def test_wrong_headers_name_the_missing_column(vc_session):
    content = "Name (Original Name),User Email,Leave Time,Guest\r\nสมศรี,,11/25/2021 10:00:00 AM,No\r\n".encode()
    error = _refusal(content, vc_session)
    assert error.code == "bad_headers"
    assert "Zoom" in error.message and "“Join Time”" in error.message and "Name (Original Name), User Email" in error.message


def test_an_empty_file_is_refused(vc_session):
    for content in (b"", b"\xef\xbb\xbf\r\n", "\ufeff".encode("utf-16")):
        assert _refusal(content, vc_session).code == "empty"


def test_headers_without_rows_are_refused(vc_session):
    content = zoom_csv([])
    error = _refusal(content, vc_session)
    assert error.code == "no_rows" and "no participants" in error.message


def test_a_report_over_the_row_limit_is_refused_naming_the_limit(vc_session, settings):
    settings.VC_REPORT_MAX_ROWS = 2
    error = _refusal(zoom_csv(_connections()), vc_session)
    assert error.code == "too_many_rows" and "at most 2 rows" in error.message


def test_a_file_over_the_size_limit_is_refused(vc_session, settings):
    settings.VC_REPORT_MAX_BYTES = 100
    error = _refusal(zoom_csv(_connections()), vc_session)
    assert error.code == "too_big" and "MB" in error.message


def test_a_file_of_no_platform_names_all_three_formats(vc_session):
    content = "คำนำหน้าชื่อ,ชื่อ,นามสกุล,โทรศัพท์มือถือ\r\nนาย,สมชาย,ใจดี,0812345678\r\n".encode()
    error = _refusal(content, vc_session)
    assert error.code == "unknown_platform"
    assert "Zoom participants report" in error.message and "Webex" in error.message and "1. Summary" in error.message


def test_zoom_meetings_list_is_not_a_participants_report(vc_session):
    content = "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\r\n1,x,11/25/2021 09:00:00 AM,11/25/2021 12:00:00 PM,a@b.c,180,3\r\n"
    assert _refusal(content.encode(), vc_session).code == "unknown_platform"


def test_a_report_of_another_date_is_refused_naming_both_dates(vc_session):
    people = [Connection("สมศรี", "", bangkok(2021, 12, 2, 9), bangkok(2021, 12, 2, 11))]
    error = _refusal(zoom_csv(people), vc_session)
    assert error.code == "other_date"
    assert "2 December 2021" in error.message and "25 November 2021" in error.message


def test_another_platform_than_the_one_chosen_is_refused(vc_session):
    error = _refusal(teams_text(_connections()), vc_session, platform="zoom")
    assert error.code == "wrong_platform" and "Microsoft Teams" in error.message and "Zoom" in error.message


def test_unreadable_times_are_refused_by_row(vc_session):
    content = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\nสมศรี,,yesterday,11/25/2021 10:00:00 AM,60,No\r\n"
    error = _refusal(content.encode(), vc_session)
    assert error.code == "bad_rows" and "Row 2" in error.message and "yesterday" in error.message


def test_an_old_xls_file_is_refused(vc_session):
    assert _refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, vc_session).code == "xls"


def test_a_refused_file_writes_nothing(vc_session, central_organiser):
    people = [Connection("สมศรี", "", bangkok(2021, 12, 2, 9), bangkok(2021, 12, 2, 11))]
    with pytest.raises(VcReportError):
        import_vc_report(session=vc_session, content=zoom_csv(people), filename="z.csv", actor=central_organiser)
    assert not VcReport.objects.exists() and not AuditEntry.objects.exists()


def test_messages_are_in_thai_first(vc_session):
    with translation.override("th"), pytest.raises(VcReportError) as refused:
        read_report(b"", session=vc_session)
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in str(refused.value.message))


def test_bangkok_is_the_zone_of_times_without_offset(vc_session):
    row = read_report(zoom_csv(_connections()), session=vc_session).rows[0]
    assert row.joined.utcoffset() == BANGKOK.utcoffset(row.joined.replace(tzinfo=None))
