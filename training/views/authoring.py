"""Authoring for central staff: modules, attachments, quizzes, questions, XLSX import and export.

(The certificate rule is edited in training/views/certificates.py.)
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetings.exports import xlsx_response
from meetings.permissions import central_required
from meetings.selectors import get_session_for_user
from training import selectors, spreadsheets
from training.forms import AttachmentForm, ModuleForm, QuestionForm, QuestionImportForm, QuizForm
from training.models import Module, ModuleAttachment, Question
from training.services import TrainingError
from training.services.authoring import (
    add_attachment,
    delete_attachment,
    delete_question,
    import_questions,
    save_module,
    save_question,
    save_quiz,
)
from training.views.errors import error_redirect, show_error


@central_required
def dashboard(request, session_pk):
    session = get_session_for_user(request.user, session_pk)
    modules = session.training_modules.select_related("agenda_item").prefetch_related("attachments").order_by("order")
    return render(
        request,
        "training/staff/dashboard.html",
        {
            "session": session,
            "modules": modules,
            "quizzes": selectors.quizzes_for_session(session),
            "rule": selectors.get_certificate_rule(session),
        },
    )


@central_required
def module_edit(request, session_pk, pk=None):
    session = get_session_for_user(request.user, session_pk)
    module = get_object_or_404(Module, session=session, pk=pk) if pk else None
    form = ModuleForm(request.POST or None, instance=module, session=session)
    if request.method == "POST" and form.is_valid():
        module = save_module(module=form.instance)
        messages.success(request, _("The module was saved."))
        return redirect("training:module_edit", session_pk=session.pk, pk=module.pk)
    return render(
        request,
        "training/staff/module_form.html",
        {
            "session": session,
            "module": module,
            "form": form,
            "attachment_form": AttachmentForm(),
            "preview": module.lesson_html() if module else "",
        },
    )


@require_POST
@central_required
def attachment_add(request, session_pk, pk):
    session = get_session_for_user(request.user, session_pk)
    module = get_object_or_404(Module, session=session, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        add_attachment(module=module, title=form.cleaned_data["title"], file=form.cleaned_data["file"])
        messages.success(request, _("The attachment was added."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("training:module_edit", session_pk=session.pk, pk=module.pk)


@require_POST
@central_required
def attachment_delete(request, session_pk, pk, attachment_pk):
    session = get_session_for_user(request.user, session_pk)
    attachment = get_object_or_404(ModuleAttachment, module__session=session, module_id=pk, pk=attachment_pk)
    delete_attachment(attachment=attachment)
    messages.success(request, _("The attachment was removed."))
    return redirect("training:module_edit", session_pk=session.pk, pk=pk)


@central_required
def quiz_edit(request, session_pk, pk=None):
    session = get_session_for_user(request.user, session_pk)
    quiz = selectors.get_quiz_for_staff(session, pk) if pk else None
    form = QuizForm(request.POST or None, instance=quiz, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            quiz = save_quiz(quiz=form.instance)
        except TrainingError as error:
            show_error(request, error, form=form)
        else:
            messages.success(request, _("The quiz was saved."))
            return redirect("training:quiz_questions", session_pk=session.pk, pk=quiz.pk)
    return render(request, "training/staff/quiz_form.html", {"session": session, "quiz": quiz, "form": form})


@central_required
def quiz_questions(request, session_pk, pk):
    session = get_session_for_user(request.user, session_pk)
    quiz = selectors.get_quiz_for_staff(session, pk)
    questions = list(quiz.questions.order_by("order", "pk").prefetch_related("choices"))
    return render(
        request,
        "training/staff/quiz_questions.html",
        {
            "session": session,
            "quiz": quiz,
            "questions": questions,
            "asked": quiz.asked_count(len(questions)),
            "attempt_count": quiz.attempts.count(),
            "import_form": QuestionImportForm(),
        },
    )


@central_required
def question_edit(request, session_pk, quiz_pk, pk=None):
    session = get_session_for_user(request.user, session_pk)
    quiz = selectors.get_quiz_for_staff(session, quiz_pk)
    question = get_object_or_404(Question, quiz=quiz, pk=pk) if pk else None
    initial = QuestionForm.initial_for(question) if question else {"kind": "single"}
    form = QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            save_question(
                quiz=quiz,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                explanation=form.cleaned_data["explanation"],
                choices=form.choice_pairs(),
                question=question,
            )
        except TrainingError as error:
            show_error(request, error, form=form)
        else:
            messages.success(request, _("The question was saved."))
            return redirect("training:quiz_questions", session_pk=session.pk, pk=quiz.pk)
    return render(
        request,
        "training/staff/question_form.html",
        {"session": session, "quiz": quiz, "question": question, "form": form},
    )


@require_POST
@central_required
def question_delete(request, session_pk, quiz_pk, pk):
    session = get_session_for_user(request.user, session_pk)
    question = get_object_or_404(Question, quiz__session=session, quiz_id=quiz_pk, pk=pk)
    try:
        delete_question(question=question)
    except TrainingError as error:
        return error_redirect(request, error, "training:quiz_questions", session_pk=session.pk, pk=quiz_pk)
    messages.success(request, _("The question was deleted."))
    return redirect("training:quiz_questions", session_pk=session.pk, pk=quiz_pk)


@central_required
def questions_export(request, session_pk, pk):
    session = get_session_for_user(request.user, session_pk)
    quiz = selectors.get_quiz_for_staff(session, pk)
    return xlsx_response(spreadsheets.headers(), spreadsheets.export_rows(quiz), f"questions-{quiz.pk}.xlsx", sheet_title="questions")


@central_required
def questions_import(request, session_pk, pk):
    session = get_session_for_user(request.user, session_pk)
    quiz = selectors.get_quiz_for_staff(session, pk)
    form = QuestionImportForm(request.POST or None, request.FILES or None)
    errors = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                count = import_questions(quiz=quiz, file=form.cleaned_data["file"], replace=form.cleaned_data["replace"])
            except TrainingError as error:
                show_error(request, error)
                errors = error.details or []
                status = 400
            else:
                messages.success(request, _("%(count)d questions were imported.") % {"count": count})
                return redirect("training:quiz_questions", session_pk=session.pk, pk=quiz.pk)
        else:
            status = 400
    return render(
        request,
        "training/staff/questions_import.html",
        {"session": session, "quiz": quiz, "form": form, "errors": errors, "headers": spreadsheets.headers()},
        status=status,
    )
