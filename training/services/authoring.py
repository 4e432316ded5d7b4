"""Staff writing the course: modules and their attachments, quizzes, questions, and the XLSX question import."""

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from training.models import Answer, Choice, ModuleAttachment, Question, QuizKind
from training.models.quizzes import check_question
from training.services import TrainingError
from training.spreadsheets import parse_questions_xlsx

# --------------------------------------------------------------------------- modules


def save_module(*, module):
    """Validate and save a module (from the authoring form)."""
    module.full_clean()
    module.save()
    return module


def add_attachment(*, module, title, file):
    with transaction.atomic():
        order = (module.attachments.aggregate(m=Max("order"))["m"] or 0) + 1
        return ModuleAttachment.objects.create(module=module, title=title, file=file, order=order)


def delete_attachment(*, attachment):
    """Delete the row, and the stored file once that is committed (a rollback keeps both)."""
    storage, name = attachment.file.storage, attachment.file.name
    with transaction.atomic():
        attachment.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))


# --------------------------------------------------------------------------- quizzes and questions


def save_quiz(*, quiz):
    if quiz.kind == QuizKind.CHECK and quiz.module_id is None:
        raise TrainingError(_("A knowledge check belongs to a module."), "check_needs_module")
    if quiz.kind != QuizKind.CHECK:
        quiz.module = None
    if quiz.opens_at and quiz.closes_at and quiz.closes_at <= quiz.opens_at:
        raise TrainingError(_("The quiz must close after it opens."), "bad_window")
    quiz.full_clean()
    quiz.save()
    return quiz


def save_question(*, quiz, kind, text, explanation="", choices, question=None, order=None):
    """Create or replace a question with its choices (a list of (text, is_correct))."""
    errors = check_question(kind, choices)
    if errors:
        raise TrainingError(" ".join(errors), "invalid_question")
    with transaction.atomic():
        if question is None:
            if order is None:
                order = (quiz.questions.aggregate(m=Max("order"))["m"] or 0) + 1
            question = Question.objects.create(quiz=quiz, kind=kind, text=text, explanation=explanation, order=order)
            Choice.objects.bulk_create([Choice(question=question, order=i, text=t, is_correct=c) for i, (t, c) in enumerate(choices, start=1)])
        else:
            question.kind, question.text, question.explanation = kind, text, explanation
            if order is not None:
                question.order = order
            question.save(update_fields=["kind", "text", "explanation", "order"])
            _replace_choices(question, choices)
    return question


def _replace_choices(question, choices):
    """Keep choice rows whose text is unchanged (stored answers point at them); replace the rest."""
    current = {c.text: c for c in question.choices.all()}
    keep = []
    for i, (text, correct) in enumerate(choices, start=1):
        choice = current.pop(text, None)
        if choice is None:
            choice = Choice(question=question, text=text)
        choice.order, choice.is_correct = i, correct
        keep.append(choice)
    Choice.objects.filter(pk__in=[c.pk for c in current.values()]).delete()
    for choice in keep:
        choice.save()


def delete_question(*, question):
    with transaction.atomic():
        # The row lock makes an answer saved at this moment wait, so it cannot slip in between check and delete.
        list(Question.objects.select_for_update().filter(pk=question.pk).values_list("pk", flat=True))
        if Answer.objects.filter(question=question).exists():
            raise TrainingError(_("This question has answers from attendees and cannot be deleted; edit it instead."), "has_answers")
        question.delete()


def import_questions(*, quiz, file, replace=False):
    """Add (or, with `replace`, swap in) the questions of an XLSX file. All or nothing.

    Raises TrainingError listing every bad row in `details`, a list of (row number, message); nothing is
    written then.
    """
    rows, errors = parse_questions_xlsx(file)
    if errors:
        raise TrainingError(
            ngettext(
                "The file has %(count)d problem; nothing was imported.",
                "The file has %(count)d problems; nothing was imported.",
                len(errors),
            )
            % {"count": len(errors)},
            "invalid_rows",
            details=errors,
        )
    if not rows:
        raise TrainingError(_("The file has no questions."), "empty")
    with transaction.atomic():
        if replace:
            if quiz.attempts.exists():
                raise TrainingError(
                    _("Attendees have already taken this quiz; its questions can only be added to, not replaced."),
                    "has_attempts",
                )
            quiz.questions.all().delete()
            start = 0
        else:
            start = quiz.questions.aggregate(m=Max("order"))["m"] or 0
        questions = Question.objects.bulk_create(
            [Question(quiz=quiz, order=start + i, kind=row.kind, text=row.text, explanation=row.explanation) for i, row in enumerate(rows, start=1)]
        )
        Choice.objects.bulk_create(
            [
                Choice(question=question, order=j, text=text, is_correct=correct)
                for question, row in zip(questions, rows, strict=True)
                for j, (text, correct) in enumerate(row.choices, start=1)
            ]
        )
    return len(questions)
