"""Import a session's video-conference participants report (Zoom, Webex or Microsoft Teams), as the upload page does.

python manage.py import_vc_report <session id or slug> <file> [--platform zoom|webex|teams] [--dry-run]
                                  [--replace | --add]

The platform is found from the file's headers; --platform refuses a report of another one. The first report of
a platform is in use at once; a later one waits for confirmation: --replace (it replaces the one in use) or
--add (the meeting was restarted) confirms it here, else on the review page.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from attendance.models import VcMatchRule, VcParticipantKind, VcPlatform, VcReportStatus
from attendance.vc.formats import VcReportError
from attendance.vc.services import VcReviewError, confirm_vc_report, import_vc_report
from meetings.models import Session


class Command(BaseCommand):
    help = "Import a session's Zoom, Webex or Teams participants report and match its names to the registrations."

    def add_arguments(self, parser):
        parser.add_argument("session", help="the session's id or slug")
        parser.add_argument("file", help="the participants report (CSV, tab-separated text or XLSX)")
        parser.add_argument("--platform", choices=VcPlatform.values, help="refuse a report of another platform")
        parser.add_argument("--dry-run", action="store_true", help="read and match, write nothing")
        confirm = parser.add_mutually_exclusive_group()
        confirm.add_argument("--replace", action="store_true", help="it replaces the platform's report in use")
        confirm.add_argument("--add", action="store_true", help="it adds to the platform's report in use (a restarted meeting)")
        parser.add_argument("--language", default="th", choices=["th", "en"], help="language of the messages")

    def handle(self, *args, **options):
        translation.activate(options["language"])
        session = self._session(options["session"])
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        try:
            result = import_vc_report(
                session=session, content=content, filename=path.name, platform=options["platform"], actor=None, dry_run=options["dry_run"]
            )
        except VcReportError as error:
            raise CommandError(str(error.message)) from None
        report = result.report
        if not result.created:
            self.stdout.write(f"already imported (report {report.pk}, {report.get_status_display()}): nothing changed")
            return
        kinds, rules = result.kinds, result.rules
        by_rule = ", ".join(f"{label} {rules[value]}" for value, label in VcMatchRule.choices if rules[value])
        verb = "would import" if result.dry_run else f"imported report {report.pk}:"
        self.stdout.write(
            f"{report.get_platform_display()} {verb} {report.rows} rows, {len(result.participants)} names ({report.encoding}); "
            f"people {kinds[VcParticipantKind.PERSON]} ({by_rule or '-'}), rooms {kinds[VcParticipantKind.ROOM]}, "
            f"not matched {kinds[VcParticipantKind.UNMATCHED]}"
        )
        if result.dry_run or report.status != VcReportStatus.PENDING:
            return
        if options["replace"] or options["add"]:
            try:
                confirm_vc_report(report=report, replace=options["replace"], actor=None)
            except VcReviewError as error:
                raise CommandError(str(error.message)) from None
            self.stdout.write("confirmed: " + ("replaces the report in use" if options["replace"] else "added beside the report in use"))
        else:
            self.stdout.write("a report of this platform is in use: this one waits; confirm it with --replace or --add, or on the review page")

    def _session(self, value):
        sessions = Session.objects.all()
        session = sessions.filter(pk=int(value)).first() if value.isdigit() else None
        session = session or sessions.filter(slug=value).first()
        if session is None:
            raise CommandError(f"no session with id or slug {value!r}")
        return session
