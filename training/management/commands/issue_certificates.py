from django.core.management.base import BaseCommand, CommandError

from meetings.models import Session
from training.services import TrainingError
from training.services.certificates import issue_certificates_for_session


class Command(BaseCommand):
    help = "Issue certificates to every participant of a session who meets its certificate rule and has none."

    def add_arguments(self, parser):
        parser.add_argument("session", help="the session's short name (slug) or id")

    def handle(self, *args, session, **options):
        found = Session.objects.filter(slug=session).first() or (Session.objects.filter(pk=session).first() if session.isdigit() else None)
        if found is None:
            raise CommandError(f"No session {session!r}.")
        try:
            count = issue_certificates_for_session(session=found)
        except TrainingError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"{count} certificates issued for “{found.title[:60]}”.")
