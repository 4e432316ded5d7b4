"""A refused training action (a TrainingError) as a reply: the one place where error codes become pages,
messages and HTTP statuses."""

from django.shortcuts import redirect, render

from meetings import errors

# Codes that mean "not yours" or "unreadable input"; every other refusal conflicts with the current state.
STATUS_BY_CODE = {"not_your_attempt": 404, "bad_input": 400}
CONFLICT = 409


def status_for(error):
    return STATUS_BY_CODE.get(error.code, CONFLICT)


def error_json(error):
    """The answer to a script (quiz.js autosave): the code, the translated message and the status."""
    return errors.error_json(error, status=status_for(error))


def error_redirect(request, error, to, **kwargs):
    """The answer to a form post: a 404 page for what is not the person's own, else the message on the next page."""
    if status_for(error) == 404:
        return render(request, "training/not_found.html", {"message": error.message}, status=404)
    show_error(request, error)
    return redirect(to, **kwargs)


def show_error(request, error, form=None):
    """The message on the page being rendered: on the form when there is one, else as a page message."""
    if form is not None:
        errors.add_form_error(form, error)
    else:
        errors.add_error_message(request, error)
