"""Staff pages of a seeded session (77 provinces, 2,660 registrations) against the bare baseline view."""

TITLE = "Meetings staff pages (quota matrix 77 × 4, session page, session list)"


def run():
    from bench.common import setup_django, timed

    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from meetings.demo import DEMO_SLUG
    from meetings.models import RoleCategory, Session
    from training.demo import seed_demo

    # No collectstatic here: plain static storage instead of the manifest (DEBUG is off).
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    seed_demo()
    session = Session.objects.get(slug=DEMO_SLUG)
    client = Client()
    client.force_login(get_user_model().objects.get(username="organiser"))
    officer = Client()
    officer.force_login(get_user_model().objects.get(username="lampang"))
    matrix = f"/sessions/{session.pk}/quotas/"

    def get(c, url):
        response = c.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    from meetings.models import Province

    seats = {(q.province_id, q.role_id): q.seats for q in session.quotas.all()}
    form_data = {f"q_{p.pk}_{r.pk}": seats.get((p.pk, r.pk), "") for p in Province.objects.all() for r in RoleCategory.objects.all()}
    district = RoleCategory.objects.get(code="district_officer")

    def save_fill(value):
        response = client.post(matrix, {**form_data, f"fill_{district.pk}": str(value)})
        assert response.status_code == 302, response.status_code

    rows = []
    baseline, base_all, _ = timed(get, client, "/bench/ok", repeat=30)
    rows.append(("baseline: `/bench/ok` (bare view, same client)", baseline, base_all))
    for label, c, url in (
        ("quota matrix page (308 inputs, totals)", client, matrix),
        ("session page, central staff", client, f"/sessions/{session.pk}/"),
        ("session page, Lampang officer (venue + quota usage)", officer, f"/sessions/{session.pk}/"),
        ("session list", client, "/sessions/"),
        (".ics download", client, f"/sessions/{session.pk}/calendar.ics"),
    ):
        median, all_runs, _ = timed(get, c, url, repeat=15)
        rows.append((label, median, all_runs))
    counter = iter(range(1, 1000))
    median, all_runs, _ = timed(lambda: save_fill(next(counter)), repeat=9)
    rows.append(("save the quota matrix with one column filled (77 cells change)", median, all_runs))
    lines = ["| what | median (ms) | × baseline |", "| --- | ---: | ---: |"]
    for label, median, _ in rows:
        lines.append(f"| {label} | {median * 1000:.1f} | {median / baseline:.1f}× |")
    return (
        "\n".join(lines)
        + "\n\nIn-process Django test client, SQLite, the demo session seeded; medians of 15 runs (9 for the save, 30 for the baseline).\n"
    )
