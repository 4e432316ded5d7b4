"""Attendee pages under /p/<token>/learn/: no password, the signed personal link is the key.

Every lookup goes through the registration behind the token, so another attendee's attempt,
module or certificate answers 404.
"""
from functools import wraps

from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from meetings.pdf import pdf_response, render_pdf
from meetings.qr import qr_png_data_uri
from meetings.selectors import get_registration_by_token
from training import selectors, services
from training.models import Certificate
from training.tokens import read_certificate_token


def personal(view):
    """Resolve the token to its registration (404 when tampered, revoked or cancelled); keep pages private.

    Referrer-Policy same-origin keeps the token out of other sites' logs (video links, attachments) while
    form posts still carry a real Origin header; with no-referrer, browsers send "Origin: null" and
    Django's CSRF check refuses every button on the page.
    """

    @wraps(view)
    @never_cache
    def wrapper(request, token, *args, **kwargs):
        registration = get_registration_by_token(token)
        response = view(request, registration, token, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex"
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapper


def _not_found(request, message):
    return render(request, "training/not_found.html", {"message": message}, status=404)


ERROR_STATUS = {"not_your_attempt": 404, "already_submitted": 409, "bad_input": 400}


@personal
def learn_home(request, registration, token):
    overview = selectors.get_learning_overview(registration)
    return render(
        request,
        "training/learn_home.html",
        {"registration": registration, "session": registration.session, "token": token, "overview": overview},
    )


@personal
def module_detail(request, registration, token, pk):
    module = selectors.get_module_for_attendee(registration, pk)
    progress = services.open_module(registration, module)
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
    services.complete_module(registration, module)
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
    return FileResponse(handle, as_attachment=False, filename=attachment.filename)


@personal
def quiz_detail(request, registration, token, pk):
    from training.models import Attempt

    quiz = selectors.get_quiz_for_attendee(registration, pk)
    attempts = list(Attempt.objects.filter(quiz=quiz, registration=registration))
    for attempt in attempts:
        services.finalise_if_over(attempt)
    state = services.quiz_state(quiz, registration, attempts)
    return render(
        request,
        "training/quiz_detail.html",
        {"registration": registration, "token": token, "quiz": quiz, "state": state},
    )


@require_POST
@personal
def quiz_start(request, registration, token, pk):
    quiz = selectors.get_quiz_for_attendee(registration, pk)
    try:
        attempt = services.start_attempt(quiz, registration)
    except services.QuizError as error:
        messages.error(request, error.message)
        return redirect("training:quiz_detail", token=token, pk=quiz.pk)
    return redirect("training:attempt", token=token, pk=attempt.pk)


@personal
def attempt_detail(request, registration, token, pk):
    attempt = selectors.get_attempt_for_attendee(registration, pk)
    services.finalise_if_over(attempt)
    items = selectors.attempt_questions(attempt)
    context = {"registration": registration, "token": token, "attempt": attempt, "quiz": attempt.quiz, "items": items}
    if attempt.is_submitted:
        return render(request, "training/attempt_result.html", context)
    context["answered"] = sum(1 for item in items if item["selected"])
    return render(request, "training/attempt_take.html", context)


def _choice_lists(post):
    """{question id: [choice ids]} from fields named q<question id> (radio buttons or checkboxes)."""
    answers = {}
    for name in post:
        if name.startswith("q") and name[1:].isdigit():
            answers[name[1:]] = post.getlist(name)
    return answers


@require_POST
@personal
def attempt_answer(request, registration, token, pk):
    """Autosave one answer (sent by quiz.js on every change). Replies in JSON, never with the key."""
    try:
        answer = services.save_answer(
            registration, pk, request.POST.get("question"), request.POST.getlist("choice")
        )
    except services.QuizError as error:
        return JsonResponse(
            {"ok": False, "code": error.code, "message": error.message}, status=ERROR_STATUS.get(error.code, 409)
        )
    return JsonResponse({"ok": True, "question": answer.question_id, "saved_at": answer.saved_at.isoformat()})


@require_POST
@personal
def attempt_submit(request, registration, token, pk):
    try:
        services.submit_attempt(registration, pk, _choice_lists(request.POST))
    except services.QuizError as error:
        if error.code == "not_your_attempt":
            return _not_found(request, error.message)
        messages.error(request, error.message)
        return redirect("training:attempt", token=token, pk=pk)
    messages.success(request, _("Your answers were submitted."))
    return redirect("training:attempt", token=token, pk=pk)


@personal
def attempt_state(request, registration, token, pk):
    """The attempt as JSON (for reloads and apps). Before submission it carries no correct answers."""
    attempt = selectors.get_attempt_for_attendee(registration, pk)
    services.finalise_if_over(attempt)
    submitted = attempt.is_submitted
    questions = []
    for item in selectors.attempt_questions(attempt):
        question = item["question"]
        entry = {
            "id": question.pk,
            "number": item["number"],
            "kind": question.kind,
            "text": question.text,
            "choices": [{"id": c.pk, "text": c.text} for c in item["choices"]],
            "selected": sorted(item["selected"]),
        }
        if submitted:
            entry["is_correct"] = item["is_correct"]
            entry["correct_choices"] = sorted(question.correct_choice_ids())
            entry["explanation"] = question.explanation
        questions.append(entry)
    body = {
        "attempt": attempt.pk,
        "quiz": attempt.quiz.title,
        "status": attempt.status,
        "seconds_left": attempt.seconds_left() if not submitted else None,
        "questions": questions,
    }
    if submitted:
        body.update(score=float(attempt.score), passed=attempt.passed, correct=attempt.correct_count)
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@require_POST
@personal
def certificate_claim(request, registration, token):
    try:
        services.issue_certificate(registration)
    except services.CertificateError as error:
        messages.error(request, error.message)
        return redirect("training:learn_home", token=token)
    return redirect("training:certificate_pdf", token=token)


@personal
def certificate_pdf(request, registration, token):
    certificate = Certificate.objects.valid().filter(registration=registration).first()
    if certificate is None:
        raise Http404("no valid certificate")
    return certificate_pdf_response(certificate, request)


def certificate_pdf_response(certificate, request=None):
    from training.services import get_certificate_rule

    rule = get_certificate_rule(certificate.session)
    verify_url = certificate.get_verify_url()
    pdf = render_pdf(
        "training/certificate_pdf.html",
        {"certificate": certificate, "rule": rule, "verify_url": verify_url, "qr": qr_png_data_uri(verify_url, box_size=6)},
        request=request,
    )
    return pdf_response(pdf, f"certificate-{certificate.number}.pdf")


@never_cache
def verify_certificate(request, code):
    """Public: anyone holding the QR learns whether the certificate is valid — and only name, session, date."""
    number = read_certificate_token(code)
    certificate = Certificate.objects.filter(number=number).first() if number else None
    response = render(
        request,
        "training/verify.html",
        {"certificate": certificate},
        status=200 if certificate else 404,
    )
    response["X-Robots-Tag"] = "noindex"
    return response


def learn_url(token):
    return reverse("training:learn_home", kwargs={"token": token})
