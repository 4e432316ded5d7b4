"""An attendee's modules: the lesson page, marking it completed, and its attachments."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from training import selectors
from training.services.modules import complete_module, open_module
from training.views.personal import personal


@personal
def module_detail(request, registration, token, pk):
    module = selectors.get_module_for_attendee(registration, pk)
    progress = open_module(registration=registration, module=module)
    check = module.quizzes.filter(is_published=True).first()
    return render(
        request,
        "training/module_detail.html",
        {
            "registration": registration,
            "token": token,
            "module": module,
            "progress": progress,
            "attachments": module.attachments.all(),
            "check": check,
            "lesson_html": module.lesson_html(),
        },
    )


@require_POST
@personal
def module_complete(request, registration, token, pk):
    module = selectors.get_module_for_attendee(registration, pk)
    complete_module(registration=registration, module=module)
    messages.success(request, _("Module marked as completed."))
    return redirect("training:learn_home", token=token)


@personal
def attachment_download(request, registration, token, pk, attachment_pk):
    module = selectors.get_module_for_attendee(registration, pk)
    attachment = module.attachments.filter(pk=attachment_pk).first()
    if attachment is None or not attachment.file:
        raise Http404("no such attachment")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("file missing") from None
    # Always a download with a type from the allow-list: an uploaded HTML or SVG file shown inline
    # would run its scripts in this origin (next to the attendee's personal pages). FileResponse
    # encodes the filename as RFC 6266 asks; SecurityMiddleware adds X-Content-Type-Options: nosniff.
    response = FileResponse(handle, as_attachment=True, filename=attachment.filename, content_type=attachment.download_content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
