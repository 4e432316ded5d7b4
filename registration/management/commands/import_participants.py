"""Register a province's participants from an XLSX or CSV file, all or nothing (same rules as the page).

python manage.py import_participants <session id or slug> <file> --province TH-52 [--dry-run]
python manage.py import_participants --template FILE
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from meetings.models import Province, Session
from registration.errors import ImportRejected, RegistrationError
from registration.imports import template_bytes
from registration.services import import_participants


class Command(BaseCommand):
    help = "Import participants of one province from an XLSX or CSV file (all rows or none), or write the blank template."

    def add_arguments(self, parser):
        parser.add_argument("session", nargs="?", help="the session's id or slug")
        parser.add_argument("file", nargs="?", help="the XLSX or CSV file to import")
        parser.add_argument("--province", help="ISO 3166-2 code of the province, e.g. TH-52")
        parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
        parser.add_argument("--template", metavar="FILE", help="write the blank import template to FILE and stop")
        parser.add_argument("--language", default="th", choices=["th", "en"], help="language of the messages")

    def handle(self, *args, **options):
        translation.activate(options["language"])
        if options["template"]:
            if options["session"] or options["file"]:
                raise CommandError("--template takes only the output file name.")
            Path(options["template"]).write_bytes(template_bytes())
            self.stdout.write(f"template written to {options['template']}")
            return
        if not (options["session"] and options["file"] and options["province"]):
            raise CommandError("usage: import_participants <session> <file> --province TH-52 [--dry-run], or --template FILE")
        session = self._session(options["session"])
        province = Province.objects.filter(code=options["province"].upper()).first()
        if province is None:
            raise CommandError(f"unknown province code {options['province']!r} (use ISO 3166-2, e.g. TH-52)")
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        try:
            result = import_participants(
                session=session, province=province, content=content, filename=path.name, actor=None, dry_run=options["dry_run"]
            )
        except ImportRejected as rejected:
            for problem in rejected.details["problems"]:
                self.stderr.write(problem["text"])
            raise CommandError(str(rejected.message), returncode=1) from None
        except RegistrationError as error:
            raise CommandError(str(error.message)) from None
        verb = "would register" if options["dry_run"] else "registered"
        self.stdout.write(
            f"{province.code} {province.name_en}: {verb} {len(result.created)}, "
            f"already registered {len(result.already_registered)}, rows {result.total} ({result.encoding})"
        )

    def _session(self, value):
        sessions = Session.objects.all()
        session = sessions.filter(pk=int(value)).first() if value.isdigit() else None
        session = session or sessions.filter(slug=value).first()
        if session is None:
            raise CommandError(f"no session with id or slug {value!r}")
        return session
