from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from meetings.fields import ThaiDateTimeField
from training.models import CertificateRule, Module, QuestionKind, Quiz, QuizKind
from training.models.quizzes import check_question
from training.spreadsheets import MAX_CHOICES


class ModuleForm(forms.ModelForm):
    video_url = forms.URLField(label=_("video link"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Module
        fields = ["order", "title", "agenda_item", "summary", "lesson", "video_url", "estimated_minutes", "is_published"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 2}), "lesson": forms.Textarea(attrs={"rows": 18})}

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.session = session
        self.fields["agenda_item"].queryset = session.agenda_items.all()

    def clean_order(self):
        order = self.cleaned_data["order"]
        others = Module.objects.filter(session=self.instance.session, order=order).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("Another module already has this order number."))
        return order

    def clean_agenda_item(self):
        item = self.cleaned_data.get("agenda_item")
        if item and Module.objects.filter(agenda_item=item).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another module already delivers this agenda item."))
        return item


class AttachmentForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("module attachment", "title"), max_length=200)
    file = forms.FileField(label=_("file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # The request that carries it is refused above settings.UPLOAD_MAX_BYTES already (config/body_limit.py).
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than %(max)d MB.") % {"max": settings.UPLOAD_MAX_BYTES // (1024 * 1024)})
        return upload


class QuizForm(forms.ModelForm):
    class Meta:
        model = Quiz
        fields = [
            "kind",
            "module",
            "title",
            "instructions",
            "pass_mark",
            "max_attempts",
            "time_limit_minutes",
            "opens_at",
            "closes_at",
            "questions_per_attempt",
            "show_answers",
            "shuffle_questions",
            "shuffle_choices",
            "is_published",
        ]
        widgets = {"instructions": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"opens_at": ThaiDateTimeField, "closes_at": ThaiDateTimeField}

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.session = session
        self.fields["module"].queryset = session.training_modules.all()
        # A form posted without the answer-key setting (an older page, a script) keeps the quiz's current one.
        self.fields["show_answers"].required = False

    def clean_show_answers(self):
        return self.cleaned_data.get("show_answers") or self.instance.show_answers

    def clean(self):
        data = super().clean()
        kind, module = data.get("kind"), data.get("module")
        session = self.instance.session
        if kind == QuizKind.CHECK and not module:
            self.add_error("module", _("A knowledge check belongs to a module."))
        if kind != QuizKind.CHECK:
            data["module"] = None
            self.instance.module = None
        others = Quiz.objects.filter(session=session).exclude(pk=self.instance.pk)
        if kind in (QuizKind.PRETEST, QuizKind.POSTTEST) and others.filter(kind=kind).exists():
            self.add_error("kind", _("This session already has one."))
        if kind == QuizKind.CHECK and module and others.filter(kind=kind, module=module).exists():
            self.add_error("module", _("This module already has a knowledge check."))
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("The quiz must close after it opens."))
        if data.get("pass_mark") is not None and data["pass_mark"] > 100:
            self.add_error("pass_mark", _("A pass mark is a percentage from 0 to 100."))
        return data


class QuestionForm(forms.Form):
    """A question and up to six choices; the choice rule (how many are correct) is checked here."""

    kind = forms.ChoiceField(label=_("question type"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("question"), widget=forms.Textarea(attrs={"rows": 3}))
    explanation = forms.CharField(
        label=_("explanation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown with the answer key, when the quiz's setting allows."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, MAX_CHOICES + 1):
            self.fields[f"choice_{n}"] = forms.CharField(label=_("Choice %(n)d") % {"n": n}, max_length=500, required=False)
            self.fields[f"correct_{n}"] = forms.BooleanField(label=_("correct"), required=False)

    @classmethod
    def initial_for(cls, question):
        initial = {"kind": question.kind, "text": question.text, "explanation": question.explanation}
        for n, choice in enumerate(question.choices.all(), start=1):
            initial[f"choice_{n}"] = choice.text
            initial[f"correct_{n}"] = choice.is_correct
        return initial

    def choice_pairs(self):
        return [
            (self.cleaned_data[f"choice_{n}"].strip(), self.cleaned_data[f"correct_{n}"])
            for n in range(1, MAX_CHOICES + 1)
            if self.cleaned_data.get(f"choice_{n}", "").strip()
        ]

    def clean(self):
        data = super().clean()
        if "kind" in data:
            for n in range(1, MAX_CHOICES + 1):
                if data.get(f"correct_{n}") and not data.get(f"choice_{n}", "").strip():
                    self.add_error(f"choice_{n}", _("A correct choice needs a text."))
            for error in check_question(data["kind"], self.choice_pairs()):
                self.add_error(None, error)
        return data

    def choice_rows(self):
        return [(self[f"choice_{n}"], self[f"correct_{n}"]) for n in range(1, MAX_CHOICES + 1)]


class QuestionImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    replace = forms.BooleanField(
        label=_("Replace the quiz's current questions"),
        required=False,
        help_text=_("Only while nobody has taken the quiz. Otherwise the rows are added."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than %(max)d MB.") % {"max": settings.IMPORT_MAX_BYTES // (1024 * 1024)})
        return upload


class CertificateRuleForm(forms.ModelForm):
    class Meta:
        model = CertificateRule
        fields = [
            "enabled",
            "require_checkin",
            "require_posttest_passed",
            "require_modules_completed",
            "require_checks_passed",
            "heading",
            "statement",
            "issuer",
            "signatory_name",
            "signatory_title",
        ]


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300)
