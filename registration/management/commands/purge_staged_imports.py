"""Delete the uploaded participant lists whose import preview has expired (registration/staging.py).

Every upload, confirmation and cancellation on the import page does this too; run it hourly (cron or a
systemd timer) so that a list uploaded and left unconfirmed is not kept for longer when nobody imports.
"""

from django.core.management.base import BaseCommand

from registration import staging


class Command(BaseCommand):
    help = "Delete the staged import files whose preview has expired."

    def handle(self, *args, **options):
        deleted = staging.purge_expired()
        self.stdout.write(f"{deleted} expired staged import file(s) deleted from {staging.staging_dir()}.")
