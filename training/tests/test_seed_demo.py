import datetime
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from attendance.models import CheckIn, CheckInEvent, CheckInMethod, ScannerDevice, SelfCheckinTicket, late_filter
from attendance.services import OK, perform_checkin
from meetings.dates import format_date
from meetings.demo import BANGKOK, DEMO_NOTE, DEMO_SLUG, REHEARSAL_SLUG
from meetings.models import AgendaItem, Province, Quota, Session, Venue
from registration.models import Registration
from training.demo import seed_demo
from training.models import Answer, Attempt, Certificate, CertificateRule, Module, ModuleProgress, Question, Quiz, QuizKind
from training.selectors import eligible_registrations
from training.services.certificates import issue_certificate
from training.services.quizzes import start_attempt, submit_attempt
from training.tests.conftest import correct_answers

pytestmark = pytest.mark.django_db

SEEDED = (
    Session,
    Venue,
    AgendaItem,
    Quota,
    Registration,
    CheckIn,
    CheckInEvent,
    SelfCheckinTicket,
    ScannerDevice,
    Module,
    Quiz,
    Question,
    Attempt,
    Answer,
    ModuleProgress,
    Certificate,
)


def _table_counts():
    return {model.__name__: model.objects.count() for model in SEEDED}


def test_seed_creates_the_session_of_25_november_2564():
    session, created = seed_demo()
    assert created["registrations"] == 2660
    assert session.slug == DEMO_SLUG
    assert format_date(session.starts_at, "long", lang="th") == "วันพฤหัสบดีที่ 25 พฤศจิกายน พ.ศ. 2564 เวลา 09.00 น."
    assert session.chair_name == "นายสุรศักดิ์ อักษรกุล"
    assert session.reporter_name == "นางเตือนใจ อุ่นจันทร์"
    assert session.agenda_items.count() == 4
    assert session.venues.get(is_host=True).room == "ห้องประชุม War Room"
    lampang = session.venues.get(is_host=False, province__code="TH-52")
    assert "ชั้น 3" in lampang.room and "ศาลากลางจังหวัดลำปาง" in lampang.address
    # The people in it, and in the rehearsal, are made up, and both sessions say so.
    assert session.description.startswith(DEMO_NOTE) and "ข้อมูลสาธิต (สมมติ)" in DEMO_NOTE
    assert Session.objects.get(slug=REHEARSAL_SLUG).description.startswith(DEMO_NOTE)


def test_seed_has_2660_participants_in_77_provinces_within_quotas():
    session, _ = seed_demo()
    registrations = Registration.objects.filter(session=session)
    assert registrations.count() == 2660
    assert registrations.values("province").distinct().count() == 77
    assert session.venues.filter(is_host=False).count() == 77
    for province in Province.objects.all():
        assert registrations.filter(province=province, role__code="provincial_officer").count() == 2
    for quota in Quota.objects.with_used().filter(session=session):
        assert quota.used <= quota.seats


def test_seed_is_idempotent_from_the_morning_to_the_rehearsal():
    seed_demo()
    before = _table_counts()
    rehearsal_start = Session.objects.get(slug=REHEARSAL_SLUG).starts_at
    _, created = seed_demo()
    assert set(created.values()) == {0}
    assert _table_counts() == before
    assert Session.objects.get(slug=REHEARSAL_SLUG).starts_at == rehearsal_start
    assert all(before[name] > 0 for name in ("CheckIn", "Attempt", "Answer", "ModuleProgress", "Certificate")), before


def test_the_morning_is_the_same_on_every_seed():
    def morning():
        return sorted(
            CheckIn.objects.filter(session__slug=DEMO_SLUG).values_list("registration__phone", "checked_in_at", "venue__province__code", "method")
        )

    seed_demo()
    first = morning()
    Session.objects.all().delete()
    seed_demo()
    assert morning() == first


def test_the_morning_has_arrivals_at_78_venues_late_ones_wrong_venues_and_short_provinces():
    session, _ = seed_demo()
    checkins = CheckIn.objects.filter(session=session)
    assert checkins.values("venue").distinct().count() == 78
    # Every check-in is recorded as the service records it: with its audit event, at the same time and place.
    events = {(e.registration_id, e.at, e.venue_id, e.wrong_venue) for e in CheckInEvent.objects.filter(session=session)}
    assert events == {(c.registration_id, c.checked_in_at, c.venue_id, c.wrong_venue) for c in checkins}
    times = [timezone.localtime(c.checked_in_at, BANGKOK).time() for c in checkins]
    assert min(times) >= datetime.time(8, 0) and max(times) <= datetime.time(9, 30)
    peak = sum(datetime.time(8, 30) <= t <= datetime.time(9, 0) for t in times)
    assert peak > len(times) / 2
    late = checkins.filter(late_filter(session.starts_at))
    assert 0 < late.count() < len(times) / 4
    wrong = list(checkins.filter(wrong_venue=True).select_related("registration", "venue"))
    assert 3 <= len(wrong) <= 20
    assert all(not c.registration.is_expected_at(c.venue) for c in wrong)
    assert all(c.registration.is_expected_at(c.venue) for c in checkins.filter(wrong_venue=False).select_related("registration", "venue")[:500])
    assert SelfCheckinTicket.objects.count() == checkins.filter(method=CheckInMethod.SELF).count() > 0
    registered = Counter(Registration.objects.filter(session=session).values_list("province__code", flat=True))
    came = Counter(checkins.values_list("registration__province__code", flat=True))
    short = [code for code in registered if came[code] < 0.65 * registered[code]]
    assert 2 <= len(short) <= 6
    assert checkins.count() > 0.8 * sum(registered.values())


def test_the_day_has_scored_attempts_a_gain_that_differs_by_province_and_certificates_for_those_who_qualify():
    session, _ = seed_demo()
    attempts = Attempt.objects.filter(quiz__session=session).annotate(
        answered=Count("answers"), right=Count("answers", filter=Q(answers__is_correct=True))
    )
    assert attempts.filter(quiz__kind=QuizKind.PRETEST).count() > 1000
    assert attempts.filter(quiz__kind=QuizKind.POSTTEST, number=2).exists()
    assert attempts.filter(quiz__kind=QuizKind.CHECK).exists()
    for attempt in attempts.select_related("quiz")[:3000]:
        assert attempt.is_submitted and attempt.answered == attempt.question_count == len(attempt.question_ids)
        assert attempt.right == attempt.correct_count
        assert abs(float(attempt.score) - attempt.correct_count * 100 / attempt.question_count) < 0.006
        assert attempt.passed == (attempt.score >= attempt.quiz.pass_mark)
    # A passed knowledge check completed its module.
    passed_checks = attempts.filter(quiz__kind=QuizKind.CHECK, passed=True).values_list("registration_id", "quiz__module_id").distinct()
    completed = set(ModuleProgress.objects.filter(completed_at__isnull=False).values_list("registration_id", "module_id"))
    assert set(passed_checks) == completed

    def mean_by_province(kind):
        rows = attempts.filter(quiz__kind=kind, number=1).values_list("registration__province__code", "score")
        scores = {}
        for code, score in rows:
            scores.setdefault(code, []).append(float(score))
        return {code: sum(v) / len(v) for code, v in scores.items()}

    before, after = mean_by_province(QuizKind.PRETEST), mean_by_province(QuizKind.POSTTEST)
    gains = [after[code] - before[code] for code in before if code in after]
    assert min(gains) < 10 < 25 < max(gains)

    certificates = Certificate.objects.filter(session=session)
    eligible = set(eligible_registrations(session).values_list("pk", flat=True))
    assert len(eligible) > 1000 and set(certificates.values_list("registration_id", flat=True)) == eligible
    assert all(re.fullmatch(rf"2564-{session.pk:04d}-[A-Z2-9]{{8}}", number) for number in certificates.values_list("number", flat=True))
    assert {timezone.localtime(c, BANGKOK).date() for c in certificates.values_list("issued_at", flat=True)} == {datetime.date(2021, 11, 25)}


def test_the_rehearsal_starts_within_the_hour_open_for_registration_and_check_in():
    before = timezone.now()
    seed_demo()
    rehearsal = Session.objects.get(slug=REHEARSAL_SLUG)
    assert before <= rehearsal.starts_at <= before + datetime.timedelta(hours=1)
    assert rehearsal.is_registration_open() and rehearsal.is_checkin_open()
    people = Registration.objects.filter(session=rehearsal)
    assert set(people.values_list("province__code", flat=True)) == {"TH-52", "TH-50"}
    assert not CheckIn.objects.filter(session=rehearsal).exists()
    assert Module.objects.filter(session=rehearsal).count() == 4
    assert sorted(Quiz.objects.filter(session=rehearsal).values_list("kind", flat=True)) == ["check"] * 4 + ["posttest", "pretest"]
    assert CertificateRule.objects.filter(session=rehearsal).exists()
    # A newcomer's badge checks in at the desk at once, and the quizzes lead to a certificate.
    person = people.filter(province__code="TH-52").order_by("pk").first()
    venue = rehearsal.venues.get(is_host=False, province__code="TH-52")
    assert perform_checkin(session=rehearsal, method=CheckInMethod.SCANNER, scanned=person.get_ticket(), venue=venue).code == OK
    posttest = Quiz.objects.get(session=rehearsal, kind=QuizKind.POSTTEST)
    attempt = start_attempt(quiz=posttest, registration=person)
    assert submit_attempt(registration=person, attempt_id=attempt.pk, answers=correct_answers(attempt)).passed
    assert issue_certificate(registration=person).session_id == rehearsal.pk


def test_a_new_seed_moves_a_rehearsal_that_no_longer_starts_within_the_hour():
    yesterday = timezone.now() - datetime.timedelta(days=1)
    seed_demo(now=yesterday)
    rehearsal = Session.objects.get(slug=REHEARSAL_SLUG)
    assert not rehearsal.is_checkin_open()
    agenda_offsets = [item.starts_at - rehearsal.starts_at for item in rehearsal.agenda_items.all()]
    counts = _table_counts()
    before = timezone.now()
    seed_demo()
    rehearsal.refresh_from_db()
    assert before <= rehearsal.starts_at <= before + datetime.timedelta(hours=1)
    assert rehearsal.is_checkin_open() and rehearsal.is_registration_open()
    assert [item.starts_at - rehearsal.starts_at for item in rehearsal.agenda_items.all()] == agenda_offsets
    assert _table_counts() == counts


def test_seed_command_prints_the_demo_logins_and_the_rehearsal_steps_with_links_on_the_given_address(capsys):
    call_command("seed_demo", "--base-url", "http://127.0.0.1:8123")
    out = capsys.readouterr().out
    rehearsal = Session.objects.get(slug=REHEARSAL_SLUG)
    assert "2660 registrations" in out
    assert "organiser" in out and "lampang" in out and "prachum2564" in out and "http://127.0.0.1:8123/accounts/login/" in out
    assert "  1. Scan a badge" in out and "  2. Check in by venue QR" in out and "  3. Learn and get a certificate" in out
    assert f"http://127.0.0.1:8123/sessions/{rehearsal.pk}/registrations/badges.pdf" in out
    assert "http://127.0.0.1:8123/p/" in out
