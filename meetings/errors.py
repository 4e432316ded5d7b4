"""The project's one domain error type and the two places it becomes a reply.

Services refuse with a DomainError (or a subclass per app): `message` for people (translated, possibly
lazy), `code` for code (stable, never translated), `details` for anything more (a dict, or None). Views and
APIs never build their own error replies: a page adds the message with `add_error_message`, a JSON endpoint
answers with `error_json`, and a form shows it with `add_form_error` (on the field `details["field"]`
names, when the form has it).
"""

from django.contrib import messages
from django.http import JsonResponse


class DomainError(Exception):
    """A refused action: `message` (translated string or lazy string), `code` (stable), `details` (dict or None)."""

    def __init__(self, message, code, details=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details

    def __str__(self):
        return str(self.message)

    def __repr__(self):
        return f"{type(self).__name__}(code={self.code!r}, message={str(self.message)!r}, details={self.details!r})"


def add_error_message(request, error):
    """Show the error's message on the next page (messages framework, error level)."""
    messages.error(request, str(error.message))


def add_form_error(form, error):
    """Show the error on a form: on the field `details["field"]` names when the form has it, else on the form."""
    field = (error.details or {}).get("field")
    form.add_error(field if field in form.fields else None, error.message)


def error_json(error, status=400):
    """The JSON reply for a refused action: `{"code", "message", "details"}`, the message as text."""
    return JsonResponse(
        {"code": error.code, "message": str(error.message), "details": error.details},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
