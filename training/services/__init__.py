"""Training writes, one module per concern:

- `quizzes`: taking a quiz (start or resume an attempt, autosave answers, submit, server-side scoring);
- `modules`: an attendee opening and completing a module;
- `authoring`: staff writing modules, attachments, quizzes and questions, and the XLSX question import;
- `certificates`: the certificate rule, issuing, revoking and reissuing.

Every path (attendee pages, staff pages, the admin, management commands, the benchmark) writes through these
functions. Each takes keyword-only arguments, names the acting staff user `actor`, runs in one transaction,
and refuses with a TrainingError (a translated message and a stable code); views map the code to a reply
(training/views/errors.py) and never change data themselves. Reads live in training/selectors.py, which
imports nothing from here.
"""

from meetings.errors import DomainError
from registration.models import Registration


class TrainingError(DomainError):
    """A refused training action: `message` for people (translated), `code` for code, `details` for more."""


def lock_registration(pk):
    """Row-lock a registration (PostgreSQL) so one person's concurrent starts or claims run one after the other.

    Call inside the transaction that then writes. No ordering and no joins: PostgreSQL refuses FOR UPDATE on
    the nullable side of an outer join, which Registration's default ordering would add.
    """
    list(Registration.objects.select_for_update(of=("self",)).filter(pk=pk).order_by().values_list("pk", flat=True))
