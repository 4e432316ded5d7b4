from django.core.management.base import BaseCommand

from meetings.demo import DEMO_LOGINS
from training.demo import seed_demo


class Command(BaseCommand):
    help = "Create the demo session of 25 November 2564 BE (2021) with 2,660 participants. Safe to run twice."

    def handle(self, *args, **options):
        session, created = seed_demo()
        total = session.registrations.count()
        summary = ", ".join(f"{name} +{n}" for name, n in created.items())
        self.stdout.write(f"Session #{session.pk} “{session.title[:60]}…”: {summary}; {total} registrations in all.")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins (http://127.0.0.1:8000/accounts/login/):"))
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.username:<10} / {login.password:<12}  {login.description}")
