import random
from collections import Counter

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

# Seconds allowed after a time limit before answers are refused: a phone on a slow
# network that pressed "submit" at 0:00 should still be counted.
TIME_LIMIT_GRACE_SECONDS = 5


class QuizKind(models.TextChoices):
    PRETEST = "pretest", _("Pre-test")
    CHECK = "check", _("Knowledge check")
    POSTTEST = "posttest", _("Post-test")


class ShowAnswers(models.TextChoices):
    """When a submitted attempt shows the answer key and the explanations.

    The default keeps the key from a participant who may still try again: a second attempt must not
    pass by copying the first one's key.
    """

    AFTER_LAST_ATTEMPT = "after_last", _("After the last attempt or when the quiz closes")
    AFTER_EACH_ATTEMPT = "after_each", _("After each attempt")
    NEVER = "never", _("Never show them")


class Quiz(models.Model):
    """A pre-test or post-test of a session, or the knowledge check of one module."""

    session = models.ForeignKey("meetings.Session", on_delete=models.CASCADE, related_name="quizzes", verbose_name=_("session"))
    kind = models.CharField(_("kind"), max_length=16, choices=QuizKind.choices)
    module = models.ForeignKey(
        "training.Module",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quizzes",
        verbose_name=_("module"),
        help_text=_("Only for a knowledge check."),
    )
    title = models.CharField(pgettext_lazy("quiz", "title"), max_length=300)
    instructions = models.TextField(_("instructions"), blank=True)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (percent)"), default=60)
    max_attempts = models.PositiveSmallIntegerField(_("attempt limit"), null=True, blank=True, help_text=_("Empty: unlimited attempts."))
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit (minutes)"), null=True, blank=True, help_text=_("Empty: no time limit."))
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True, help_text=_("Empty: open now."))
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True, help_text=_("Empty: never closes."))
    questions_per_attempt = models.PositiveSmallIntegerField(
        _("questions per attempt"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Empty: every question in the bank. A smaller number draws that many questions for each attempt, "
            "preferring questions the participant has not been asked yet."
        ),
    )
    show_answers = models.CharField(
        _("show answers and explanations"),
        max_length=16,
        choices=ShowAnswers.choices,
        default=ShowAnswers.AFTER_LAST_ATTEMPT,
        help_text=_("While a participant may still try again, the answer key stays hidden unless you choose “After each attempt”."),
    )
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_choices = models.BooleanField(_("shuffle choices"), default=True)
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        # No default ordering: pages list quizzes by `sort_key` (pre-test, checks in module order, post-test).
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            models.UniqueConstraint(fields=["session"], condition=Q(kind="pretest"), name="quiz_one_pretest"),
            models.UniqueConstraint(fields=["session"], condition=Q(kind="posttest"), name="quiz_one_posttest"),
            models.UniqueConstraint(fields=["module"], condition=Q(kind="check"), name="quiz_one_check_per_module"),
            models.CheckConstraint(
                condition=(Q(kind="check") & Q(module__isnull=False)) | (~Q(kind="check") & Q(module__isnull=True)),
                name="quiz_module_only_for_checks",
            ),
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="quiz_pass_mark_percent"),
            models.CheckConstraint(
                condition=Q(questions_per_attempt__isnull=True) | Q(questions_per_attempt__gte=1),
                name="quiz_asks_at_least_one_question",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def sort_key(self):
        """Pre-test first, then the checks in module order, then the post-test."""
        rank = {QuizKind.PRETEST: 0, QuizKind.CHECK: 1, QuizKind.POSTTEST: 2}[self.kind]
        return (rank, self.module.order if self.module_id else 0)

    def is_open(self, at=None):
        at = at or timezone.now()
        return (self.opens_at is None or at >= self.opens_at) and (self.closes_at is None or at <= self.closes_at)

    def asked_count(self, bank_size):
        """How many questions one attempt asks when the bank holds `bank_size`."""
        if self.questions_per_attempt is None:
            return bank_size
        return min(self.questions_per_attempt, bank_size)


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "truefalse", _("True / false")


class Question(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions", verbose_name=_("quiz"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("question type"), max_length=16, choices=QuestionKind.choices, default=QuestionKind.SINGLE)
    text = models.TextField(_("question"))
    explanation = models.TextField(_("explanation"), blank=True, help_text=_("Shown with the answer key, when the quiz's setting allows."))

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.text[:80]

    def correct_choice_ids(self):
        return {c.pk for c in self.choices.all() if c.is_correct}

    def is_answer_correct(self, selected_ids):
        """The scoring rule, the same for every type: all or nothing.

        A single-choice or true/false question is right when the one correct choice is picked.
        A multiple-choice question is right only when exactly the correct choices are picked:
        every correct one and no wrong one. No partial credit, so guessing "all of them" earns nothing.
        """
        selected = set(selected_ids)
        return bool(selected) and selected == self.correct_choice_ids()


def check_question(kind, choices):
    """Problems with a question's choices, as translated messages (empty when it is sound).

    `choices` is a list of (text, is_correct). The one choice rule, shared by the question form, the
    spreadsheet import, the admin and the authoring service.
    """
    errors = []
    texts = [t for t, _c in choices]
    correct = sum(1 for _t, c in choices if c)
    if kind not in QuestionKind.values:
        return [gettext("Unknown question type.")]
    if len(choices) < 2:
        errors.append(gettext("A question needs at least two choices."))
    if kind == QuestionKind.TRUE_FALSE and len(choices) != 2:
        errors.append(gettext("A true/false question has exactly two choices."))
    if len(set(texts)) != len(texts):
        errors.append(gettext("Two choices have the same text."))
    if kind == QuestionKind.MULTIPLE:
        if correct < 1:
            errors.append(gettext("Mark at least one correct choice."))
    elif correct != 1:
        errors.append(gettext("Mark exactly one correct choice."))
    return errors


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("choice"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self):
        return self.text


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")


class AttemptQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(status=AttemptStatus.SUBMITTED)


class Attempt(models.Model):
    """One go at a quiz by one registration. Its seed fixes the order of questions and choices."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("quiz"))
    registration = models.ForeignKey(
        "registration.Registration", on_delete=models.CASCADE, related_name="quiz_attempts", verbose_name=_("registration")
    )
    number = models.PositiveSmallIntegerField(_("attempt number"))
    seed = models.PositiveIntegerField(_("shuffle seed"))
    question_ids = models.JSONField(_("questions in order"), default=list)
    status = models.CharField(_("status"), max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    timed_out = models.BooleanField(_("closed by the time limit"), default=False)
    correct_count = models.PositiveSmallIntegerField(_("correct answers"), null=True, blank=True)
    question_count = models.PositiveSmallIntegerField(_("questions"), default=0)
    score = models.DecimalField(_("score (percent)"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        indexes = [models.Index(fields=["quiz", "status"], name="attempt_quiz_status_idx")]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "registration", "number"], name="attempt_unique_number"),
            # Two taps on "start" at once must not open two attempts.
            models.UniqueConstraint(fields=["quiz", "registration"], condition=Q(status="in_progress"), name="attempt_one_open"),
        ]

    def __str__(self):
        return f"{self.quiz} · {self.registration_id} #{self.number}"

    @property
    def is_submitted(self):
        return self.status == AttemptStatus.SUBMITTED

    def is_past_deadline(self, at=None, grace=TIME_LIMIT_GRACE_SECONDS):
        if self.deadline is None:
            return False
        return (at or timezone.now()) > self.deadline + timezone.timedelta(seconds=grace)

    def is_over(self, at=None):
        """An unsubmitted attempt ends when its time limit (plus grace) passes or its quiz closes."""
        if self.status != AttemptStatus.IN_PROGRESS:
            return True
        at = at or timezone.now()
        if self.is_past_deadline(at):
            return True
        closes = self.quiz.closes_at
        return closes is not None and at > closes

    def seconds_left(self, at=None):
        if self.deadline is None:
            return None
        return max(0, int((self.deadline - (at or timezone.now())).total_seconds()))

    def ordered_choices(self, question, choices):
        """The choices of one question in this attempt's order: stable for the attempt, different between attempts.

        True/false keeps its natural order (ถูก before ผิด): shuffling two words only confuses.
        """
        choices = sorted(choices, key=lambda c: (c.order, c.pk))
        if self.quiz.shuffle_choices and question.kind != QuestionKind.TRUE_FALSE:
            random.Random(f"{self.seed}:{question.pk}").shuffle(choices)
        return choices


def shuffled_question_ids(quiz, question_ids, seed, asked_before=()):
    """The questions of a new attempt, in its order: a function of the bank, the seed and earlier attempts.

    `question_ids` is the bank in its authored order. When the quiz asks fewer questions than the bank
    holds, the attempt draws them at random, preferring those this participant was asked least often
    (`asked_before`: the question ids of their earlier attempts, repeats included), so a second attempt
    differs from the first whenever the bank allows.
    """
    bank = list(question_ids)
    rng = random.Random(seed)
    count = quiz.asked_count(len(bank))
    if count < len(bank):
        times_asked = Counter(asked_before)
        drawn = rng.sample(bank, len(bank))
        drawn.sort(key=lambda qid: times_asked[qid])  # stable: random within each "times asked" group
        chosen = set(drawn[:count])
        ids = [qid for qid in bank if qid in chosen]
    else:
        ids = bank
    if quiz.shuffle_questions:
        rng.shuffle(ids)
    return ids


class Answer(models.Model):
    """The choices picked for one question of one attempt; saved on every change, scored at submission."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers", verbose_name=_("attempt"))
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question"))
    choice_ids = models.JSONField(_("chosen"), default=list)
    is_correct = models.BooleanField(_("correct"), null=True, blank=True)
    saved_at = models.DateTimeField(_("saved at"), default=timezone.now)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="answer_unique_per_question")]

    def __str__(self):
        return f"{self.attempt_id}/{self.question_id}: {self.choice_ids}"
