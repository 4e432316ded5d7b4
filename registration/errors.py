"""Registration's refusals: one DomainError family, so a view maps each of them the same way.

`message` is for people (translated), `code` for code (stable), `details` for anything more: the form
field a refusal concerns (`{"field": "phone"}`), or the problems of a rejected import.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from meetings.errors import DomainError

# The quota rule's message, shared by the participant form (a role without seats) and the services.
NO_SEATS_MESSAGE = _("This session has no seats for %(role)s in %(province)s.")


class RegistrationError(DomainError):
    """A refused registration change (another province, a closed window, a full quota, a duplicate…)."""


class ImportFileError(RegistrationError):
    """The file as a whole cannot be read (not a spreadsheet, too big, empty, bad encoding, wrong headers)."""


class ImportRejected(RegistrationError):
    """An import with at least one problem: nothing was written.

    `details["problems"]` lists every problem as a dict: `row` (the spreadsheet row, 0 for the whole
    file), `column` (the header as written in the file, or ""), `message`, and `text` (the three as
    one line: "แถว 5, คอลัมน์ “เลขประจำตัวประชาชน”: …").
    """

    def __init__(self, problems):
        count = len(problems)
        super().__init__(
            ngettext(
                "The file has %(counter)s problem. Nothing was saved: correct the file and upload it again.",
                "The file has %(counter)s problems. Nothing was saved: correct the file and upload it again.",
                count,
            )
            % {"counter": count},
            code="import_rejected",
            details={"problems": [problem.as_dict() for problem in problems]},
        )
