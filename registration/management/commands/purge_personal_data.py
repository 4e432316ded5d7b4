"""Anonymise the registrations of sessions that ended more than a retention period ago (docs/PRIVACY.md).

python manage.py purge_personal_data                      # dry run: what would be anonymised, nothing written
python manage.py purge_personal_data --older-than 365d    # the period (days; default PERSONAL_DATA_RETENTION_DAYS)
python manage.py purge_personal_data --apply              # anonymise them (one audit entry per session)

Run it daily from cron or a systemd timer with --apply. Anonymising keeps every count (seats, attendance,
scores) and removes the people: registration.services.purge_personal_data.
"""

import datetime
import re

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from registration.services import plan_purge, purge_personal_data

PERIOD = re.compile(r"^\s*(\d+)\s*d?\s*$")


def parse_days(text):
    """ "365d" or "365" → 365; anything else (or less than one day) is an error."""
    match = PERIOD.match(str(text))
    if not match or int(match.group(1)) < 1:
        raise CommandError(f"--older-than takes a number of days such as 365d (got {text!r}).")
    return int(match.group(1))


class Command(BaseCommand):
    help = "Anonymise the registrations of sessions that ended more than N days ago. A dry run unless --apply is given."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", default=None, metavar="DAYS", help="sessions that ended more than this many days ago, e.g. 365d")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", help="print what would be anonymised and write nothing (the default)")
        mode.add_argument("--apply", "--no-dry-run", dest="apply", action="store_true", help="anonymise them")

    def handle(self, *args, **options):
        days = parse_days(options["older_than"]) if options["older_than"] is not None else settings.PERSONAL_DATA_RETENTION_DAYS
        ended_before = timezone.now() - datetime.timedelta(days=days)
        if not options["apply"]:
            plans = plan_purge(ended_before=ended_before)
            for plan in plans:
                self.stdout.write(f"would anonymise {plan.count} registrations of session {plan.session_id} (ended {plan.ended_at:%Y-%m-%d})")
            total = sum(plan.count for plan in plans)
            self.stdout.write(
                f"dry run: {total} registrations of {len(plans)} sessions that ended before {ended_before:%Y-%m-%d}; run with --apply to anonymise them"
            )
            return
        done = purge_personal_data(ended_before=ended_before)
        for plan in done:
            self.stdout.write(f"anonymised {plan.count} registrations of session {plan.session_id} (ended {plan.ended_at:%Y-%m-%d})")
        self.stdout.write(
            f"anonymised {sum(plan.count for plan in done)} registrations of {len(done)} sessions that ended before {ended_before:%Y-%m-%d}"
        )
