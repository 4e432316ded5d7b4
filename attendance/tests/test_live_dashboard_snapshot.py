"""The dashboard snapshot: exact absolute counts from a fixed number of queries, and each screen's view."""

import datetime
import json
import logging

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from attendance.broadcast import build_dashboard_payloads
from attendance.groups import attendance_group
from attendance.models import CheckIn
from attendance.selectors import FEED_SIZE, dashboard_view, get_attendance_snapshot
from attendance.tests.checkins import record_checkin
from attendance.tests.sockets import screen_state
from meetings.tests.factories import make_session, make_user, make_venue
from registration.services import cancel_registration
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db

START = datetime.datetime(2021, 11, 25, 2, 0, tzinfo=datetime.UTC)  # 09:00 in Bangkok
EARLY = START - datetime.timedelta(minutes=20)
LATE = START + datetime.timedelta(minutes=5)


@pytest.fixture
def morning():
    session = make_session(starts_at=START)
    lampang = [make_registration(session, "TH-52") for _ in range(4)]
    chiangmai = [make_registration(session, "TH-50", role_code="provincial_officer") for _ in range(2)]
    cancelled = make_registration(session, "TH-52")
    record_checkin(lampang[0], at=EARLY)
    record_checkin(lampang[1], at=LATE)
    record_checkin(chiangmai[0], at=EARLY + datetime.timedelta(minutes=1), venue=make_venue(session, "TH-10", is_host=True))
    record_checkin(cancelled, at=EARLY)
    cancel_registration(registration=cancelled, actor=make_user(kind="central"))  # cancelled afterwards: does not count
    return session


def test_national_view_counts_registered_checked_in_and_late(morning):
    view = dashboard_view(get_attendance_snapshot(morning.pk))
    assert view["totals"] == {
        "registered": 6,
        "checked_in": 3,
        "percent": 50.0,
        "on_time": 2,
        "late": 1,
        "wrong_venue": 1,
    }
    assert len(view["provinces"]) == 77
    by_code = {p["code"]: p for p in view["provinces"]}
    assert by_code["TH-52"] == {
        "code": "TH-52",
        "region": "north",
        "registered": 4,
        "checked_in": 2,
        "percent": 50.0,
        "on_time": 1,
        "late": 1,
    }
    assert by_code["TH-50"]["checked_in"] == 1
    assert by_code["TH-10"]["registered"] == 0
    assert {r["code"]: (r["registered"], r["checked_in"]) for r in view["roles"]} == {
        "committee": (4, 2),
        "provincial_officer": (2, 1),
    }
    assert view["regions"][0] == {"code": "north", "registered": 6, "checked_in": 3, "percent": 50.0}
    assert [r["code"] for r in view["regions"]] == ["north", "northeast", "central", "east", "west", "south"]
    assert sum(r["registered"] for r in view["regions"]) == 6


def test_feed_is_newest_first_with_names_and_late_flags(morning):
    feed = dashboard_view(get_attendance_snapshot(morning.pk))["latest"]
    assert [item["late"] for item in feed] == [True, False, False]
    assert feed[0]["province"] == "TH-52"
    assert feed[1]["wrong_venue"] is True
    assert feed[0]["name"].startswith("นาย")


def test_officer_view_holds_only_their_province(morning):
    view = dashboard_view(get_attendance_snapshot(morning.pk), "TH-50")
    assert view["scope"] == "province"
    assert [p["code"] for p in view["provinces"]] == ["TH-50"]
    assert view["totals"]["registered"] == 2
    assert [item["province"] for item in view["latest"]] == ["TH-50"]
    assert [r["code"] for r in view["roles"]] == ["provincial_officer"]


def test_national_feed_is_exact_when_one_province_fills_it():
    session = make_session(starts_at=START)
    for minute in range(FEED_SIZE + 3):
        record_checkin(make_registration(session, "TH-10"), at=EARLY + datetime.timedelta(minutes=minute))
    newest_elsewhere = make_registration(session, "TH-52")
    record_checkin(newest_elsewhere, at=EARLY - datetime.timedelta(minutes=1))  # older than all Bangkok ones
    view = dashboard_view(get_attendance_snapshot(session.pk))
    assert len(view["latest"]) == FEED_SIZE
    assert all(item["province"] == "TH-10" for item in view["latest"])
    times = [item["at"] for item in view["latest"]]
    assert times == sorted(times, reverse=True)
    lampang = dashboard_view(get_attendance_snapshot(session.pk), "TH-52")
    assert [item["name"] for item in lampang["latest"]] == [newest_elsewhere.full_name]


def test_unknown_session_has_no_snapshot():
    assert get_attendance_snapshot(987654) is None


@pytest.mark.parametrize("size", [10, 300])
def test_snapshot_queries_do_not_grow_with_the_session(size, django_assert_max_num_queries):
    session = make_session(starts_at=START)
    provinces = ["TH-10", "TH-50", "TH-52", "TH-90", "TH-40"]
    roles = ["committee", "provincial_officer", "district_officer"]
    for i in range(size):
        registration = make_registration(session, provinces[i % 5], role_code=roles[i % 3])
        if i % 2:
            CheckIn.objects.create(registration=registration, session=session, method="scanner", checked_in_at=EARLY)
    with django_assert_max_num_queries(6):
        payloads = build_dashboard_payloads(session.pk)
    national = json.loads(payloads.national)
    assert national["totals"]["registered"] == size
    assert national["totals"]["checked_in"] == size // 2
    assert len(payloads.provinces) == 77


def test_outside_a_server_the_commit_tells_the_servers_at_once(morning, django_capture_on_commit_callbacks):
    """Management commands and scripts tell the servers' relays too: on commit, one small message;
    the relays read the counts themselves."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(attendance_group(morning.pk), channel)
    registration = make_registration(morning, "TH-52")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record_checkin(registration, at=LATE)
    assert len(callbacks) == 1  # queued for the commit, not sent
    callbacks[0]()  # the commit happens
    event = async_to_sync(layer.receive)(channel)
    assert event == {"type": "attendance.changed", "session_id": morning.pk}


def test_payloads_for_the_screens_a_process_holds(morning):
    """A relay serialises only the views its screens show: here the national one and Lampang's."""
    payloads = build_dashboard_payloads(morning.pk, {None, "TH-52"})
    assert set(payloads.provinces) == {"TH-52"}
    assert payloads.for_province("TH-50") is None
    national = json.loads(payloads.national)
    lampang = json.loads(payloads.for_province("TH-52"))
    assert national["scope"] == "national" and lampang["scope"] == "province"
    assert national["totals"]["registered"] > lampang["totals"]["registered"] > 0
    assert build_dashboard_payloads(morning.pk, {"TH-52"}).national is None


def test_checkin_is_kept_when_the_channel_layer_is_down(morning, settings, caplog, django_capture_on_commit_callbacks):
    settings.CHANNEL_LAYERS = {
        # Nothing listens on port 1: like a stopped Redis.
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}
    }
    registration = make_registration(morning, "TH-52")
    with caplog.at_level(logging.WARNING, logger="attendance.broadcast"):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            record_checkin(registration, at=LATE)
    assert len(callbacks) == 1
    assert CheckIn.objects.filter(registration=registration).exists()
    assert "lost the channel layer" in caplog.text


# --- patches: a screen gets what changed since the read it shows ---------------------------------


def test_a_patch_names_only_the_rows_that_changed(morning):
    before = build_dashboard_payloads(morning.pk, {None, "TH-52"})
    newcomer = make_registration(morning, "TH-50", role_code="provincial_officer")
    record_checkin(newcomer, at=LATE + datetime.timedelta(minutes=1))
    after = build_dashboard_payloads(morning.pk, {None, "TH-52"})

    kind, text = after.message_for(None, before)
    patch = json.loads(text)
    assert kind == "patch"
    assert patch["totals"]["checked_in"] == 4 and patch["totals"]["registered"] == 7
    assert [row["code"] for row in patch["provinces"]] == ["TH-50"]
    assert [row["code"] for row in patch["roles"]] == ["provincial_officer"]
    assert patch["latest"][0]["name"] == newcomer.full_name
    assert len(text) < len(after.for_province(None)) / 3

    # Lampang's screen shows nothing that changed: nothing is sent to it.
    assert after.message_for("TH-52", before) == ("patch", None)
    # A screen showing no read of this process, or another scope, gets the whole view.
    assert after.message_for(None, None) == ("update", after.for_province(None))


def test_a_patch_folded_into_the_view_it_starts_from_gives_the_new_view(morning):
    before = build_dashboard_payloads(morning.pk, {None})
    record_checkin(make_registration(morning, "TH-50"), at=LATE)
    after = build_dashboard_payloads(morning.pk, {None})
    kind, text = after.message_for(None, before)
    folded = screen_state([{"type": "snapshot", "data": before.views[None]}, {"type": kind, "data": json.loads(text)}])
    assert folded == json.loads(after.for_province(None))


def test_rows_that_come_or_go_need_the_whole_view():
    session = make_session(starts_at=START)
    record_checkin(make_registration(session, "TH-52"), at=EARLY)
    before = build_dashboard_payloads(session.pk, {None})
    make_registration(session, "TH-50", role_code="provincial_officer")  # a new role row
    after = build_dashboard_payloads(session.pk, {None})
    assert after.message_for(None, before) == ("update", after.for_province(None))
