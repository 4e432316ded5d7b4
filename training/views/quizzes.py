"""An attendee taking a quiz: its page, starting an attempt, answering (autosaved), submitting, and the result."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from training import selectors
from training.services import TrainingError
from training.services.quizzes import finalise_if_over, save_answer, start_attempt, submit_attempt
from training.views.errors import error_json, error_redirect
from training.views.personal import personal


@personal
def quiz_detail(request, registration, token, pk):
    quiz = selectors.get_quiz_for_attendee(registration, pk)
    attempts = selectors.get_attempts_for_attendee(registration, quiz)
    for attempt in attempts:
        finalise_if_over(attempt=attempt)
    state = selectors.quiz_state(quiz, registration, attempts)
    return render(
        request,
        "training/quiz_detail.html",
        {"registration": registration, "token": token, "quiz": quiz, "state": state, "asked": quiz.asked_count(quiz.questions.count())},
    )


@require_POST
@personal
def quiz_start(request, registration, token, pk):
    quiz = selectors.get_quiz_for_attendee(registration, pk)
    try:
        attempt = start_attempt(quiz=quiz, registration=registration)
    except TrainingError as error:
        return error_redirect(request, error, "training:quiz_detail", token=token, pk=quiz.pk)
    return redirect("training:attempt", token=token, pk=attempt.pk)


@personal
def attempt_detail(request, registration, token, pk):
    attempt = selectors.get_attempt_for_attendee(registration, pk)
    finalise_if_over(attempt=attempt)
    items = selectors.attempt_questions(attempt)
    context = {"registration": registration, "token": token, "attempt": attempt, "quiz": attempt.quiz, "items": items}
    if attempt.is_submitted:
        context["state"] = selectors.get_quiz_state_for_attempt(registration, attempt)
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
        answer = save_answer(
            registration=registration,
            attempt_id=pk,
            question_id=request.POST.get("question"),
            choice_ids=request.POST.getlist("choice"),
        )
    except TrainingError as error:
        return error_json(error)
    return JsonResponse({"ok": True, "question": answer.question_id, "saved_at": answer.saved_at.isoformat()})


@require_POST
@personal
def attempt_submit(request, registration, token, pk):
    try:
        submit_attempt(registration=registration, attempt_id=pk, answers=_choice_lists(request.POST))
    except TrainingError as error:
        return error_redirect(request, error, "training:attempt", token=token, pk=pk)
    messages.success(request, _("Your answers were submitted."))
    return redirect("training:attempt", token=token, pk=pk)


@personal
def attempt_state(request, registration, token, pk):
    """The attempt as JSON (for reloads and apps). The correct answers only when the quiz's setting allows them."""
    attempt = selectors.get_attempt_for_attendee(registration, pk)
    finalise_if_over(attempt=attempt)
    submitted = attempt.is_submitted
    answers_shown = submitted and selectors.get_quiz_state_for_attempt(registration, attempt).shows_answers
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
        if answers_shown:
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
        body.update(score=float(attempt.score), passed=attempt.passed, correct=attempt.correct_count, answers_shown=answers_shown)
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
