import pytest
from django.core.management import call_command

from meetings.dates import format_date
from meetings.demo import DEMO_SLUG
from meetings.models import AgendaItem, Province, Quota, Session, Venue
from registration.models import Registration
from training.demo import seed_demo

pytestmark = pytest.mark.django_db


def _table_counts():
    return {model.__name__: model.objects.count() for model in (Session, Venue, AgendaItem, Quota, Registration)}


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


def test_seed_is_idempotent():
    seed_demo()
    before = _table_counts()
    _, created = seed_demo()
    assert set(created.values()) == {0}
    assert _table_counts() == before


def test_seed_command_prints_the_demo_logins(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "organiser" in out and "lampang" in out
    assert "2660 registrations" in out
