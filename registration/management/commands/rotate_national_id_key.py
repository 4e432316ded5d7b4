"""Re-encrypt every stored national ID with the newest key, and recompute its keyed hash.

python manage.py rotate_national_id_key [--batch-size 500]

Rotation (docs/DEPLOY.md, "National ID keys"): put a new key first in NATIONAL_ID_KEYS, keeping the old
ones after it; restart; run this; then remove the old keys. Safe to run while the service is up and to
run again. It exits with an error, naming the registrations, when some ID no configured key can open.
"""

from django.core.management.base import BaseCommand, CommandError

from registration.services import rotate_national_id_keys


class Command(BaseCommand):
    help = "Re-encrypt every national ID with the first key of NATIONAL_ID_KEYS and recompute its hash with NATIONAL_ID_HASH_KEY."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="registrations per transaction (default 500)")

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        result = rotate_national_id_keys(actor=None, batch_size=options["batch_size"])
        self.stdout.write(f"{result.rotated} national IDs re-encrypted with the newest key.")
        if result.unreadable:
            shown = ", ".join(str(pk) for pk in result.unreadable[:50])
            more = f" and {len(result.unreadable) - 50} more" if len(result.unreadable) > 50 else ""
            raise CommandError(
                f"{len(result.unreadable)} national IDs could not be decrypted with any key in NATIONAL_ID_KEYS "
                f"(registrations {shown}{more}); they were left unchanged. Add the key they were encrypted with and run again."
            )
