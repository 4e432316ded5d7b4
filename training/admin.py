from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from meetings.admin import ThaiDatesModelAdmin, ThaiDatesTabularInline
from training.models import (
    Attempt,
    Certificate,
    CertificateRule,
    Choice,
    Module,
    ModuleAttachment,
    ModuleProgress,
    Question,
    Quiz,
)
from training.models.quizzes import check_question
from training.services.certificates import revoke_certificate


class AttachmentInline(ThaiDatesTabularInline):
    model = ModuleAttachment
    extra = 0


@admin.register(Module)
class ModuleAdmin(ThaiDatesModelAdmin):
    list_display = ["order", "title", "session", "agenda_item", "estimated_minutes", "is_published"]
    list_display_links = ["title"]
    list_filter = ["session", "is_published"]
    ordering = ["-session__starts_at", "order"]
    search_fields = ["title", "lesson"]
    inlines = [AttachmentInline]


class QuestionInline(ThaiDatesTabularInline):
    model = Question
    fields = ["order", "kind", "text"]
    extra = 0
    show_change_link = True


@admin.register(Quiz)
class QuizAdmin(ThaiDatesModelAdmin):
    list_display = [
        "title",
        "session",
        "kind",
        "module",
        "pass_mark",
        "max_attempts",
        "time_limit_minutes",
        "questions_per_attempt",
        "show_answers",
        "is_published",
    ]
    list_filter = ["session", "kind", "is_published"]
    ordering = ["-session__starts_at", "kind", "module__order"]
    inlines = [QuestionInline]


class ChoiceInline(ThaiDatesTabularInline):
    model = Choice
    extra = 0


@admin.register(Question)
class QuestionAdmin(ThaiDatesModelAdmin):
    list_display = ["text", "quiz", "kind", "order"]
    list_filter = ["quiz__session", "quiz", "kind"]
    ordering = ["quiz_id", "order", "pk"]
    search_fields = ["text"]
    inlines = [ChoiceInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        question = form.instance
        problems = check_question(question.kind, [(c.text, c.is_correct) for c in question.choices.all()])
        if problems:
            messages.warning(request, _("Check this question: %(problems)s") % {"problems": " ".join(problems)})


@admin.register(Attempt)
class AttemptAdmin(ThaiDatesModelAdmin):
    list_display = ["quiz", "registration", "number", "status", "score", "passed", "submitted_at"]
    list_filter = ["quiz__session", "quiz", "status", "passed"]
    ordering = ["quiz_id", "registration_id", "number"]
    raw_id_fields = ["registration"]
    readonly_fields = [f.name for f in Attempt._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ModuleProgress)
class ModuleProgressAdmin(ThaiDatesModelAdmin):
    list_display = ["registration", "module", "opened_at", "completed_at"]
    list_filter = ["module"]
    raw_id_fields = ["registration"]


@admin.register(CertificateRule)
class CertificateRuleAdmin(ThaiDatesModelAdmin):
    list_display = ["session", "enabled", "require_checkin", "require_posttest_passed", "signatory_name"]


@admin.action(description=_("Revoke the selected certificates"))
def revoke_selected(modeladmin, request, queryset):
    count = 0
    for certificate in queryset.filter(revoked_at__isnull=True):
        revoke_certificate(certificate=certificate, actor=request.user, reason=str(_("Revoked in the admin")))
        count += 1
    modeladmin.message_user(request, _("%(count)d certificates revoked.") % {"count": count})


@admin.register(Certificate)
class CertificateAdmin(ThaiDatesModelAdmin):
    list_display = ["number", "holder_name", "session", "issued_at", "revoked_at"]
    list_filter = ["session", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["number", "holder_name"]
    raw_id_fields = ["registration", "replaces"]
    readonly_fields = ["number", "issued_at", "issued_by", "revoked_at", "revoked_by"]
    actions = [revoke_selected]

    def has_add_permission(self, request):
        return False
