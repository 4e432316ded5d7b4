import time

from django.core.management.base import BaseCommand
from django.urls import reverse

from meetings.dates import format_date
from meetings.demo import DEMO_LOGINS, LAMPANG_CODE, REHEARSAL_SLUG
from meetings.models import Session
from meetings.site import site_url
from training.demo import REHEARSAL_HOWTO, seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo session of 25 November 2564 BE (2021) with 2,660 participants, the morning's check-ins and "
        "the day's quiz results and certificates, and a rehearsal that starts within the hour. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default="",
            help="the address the demo is served on, for the links printed (default: SITE_URL, else http://127.0.0.1:8000)",
        )

    def handle(self, *args, base_url, **options):
        began = time.monotonic()
        session, created = seed_demo()
        seconds = time.monotonic() - began
        base = (base_url or site_url()).rstrip("/")
        total = session.registrations.count()
        summary = ", ".join(f"{name} +{n}" for name, n in created.items() if n) or "nothing new"
        self.stdout.write(f"Session #{session.pk} “{session.title[:60]}…”: {summary}; {total} registrations in all ({seconds:.1f} s).")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins ({base}/accounts/login/):"))
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.username:<10} / {login.password:<12}  {login.description}")

        rehearsal = Session.objects.get(slug=REHEARSAL_SLUG)
        venue = rehearsal.venues.get(is_host=False, province__code=LAMPANG_CODE)
        person = rehearsal.registrations.filter(province__code=LAMPANG_CODE, role__code="committee").order_by("pk").first()
        self.stdout.write("")
        when = format_date(rehearsal.starts_at, "datetime", lang="en")
        self.stdout.write(self.style.SUCCESS(f"Rehearsal (session #{rehearsal.pk}) starts {when}; registration and check-in are open now:"))
        for number, line in enumerate(REHEARSAL_HOWTO, start=1):
            self.stdout.write(f"  {number}. {line}")
        links = [
            ("badges", reverse("registration:badges", kwargs={"session_pk": rehearsal.pk})),
            ("desk scanner", reverse("attendance:scanner", kwargs={"session_pk": rehearsal.pk, "venue_pk": venue.pk})),
            ("venue QR", reverse("attendance:venue_display", kwargs={"session_pk": rehearsal.pk, "venue_pk": venue.pk})),
        ]
        if person is not None:
            links.append((f"personal page of {person.full_name}", person.get_personal_path()))
        for label, path in links:
            self.stdout.write(f"     {label}: {base}{path}")
