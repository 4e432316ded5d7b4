"""Staff forms for reminder rules (registration/reminders.py) and the filters of the message log.

The form parses; the rules a rule's values keep are `reminders.check_rule_values`, shown on the form's fields."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from meetings.collation import ThaiOrderChoiceIterator, sorted_thai
from meetings.errors import add_form_error
from meetings.models import Province, RoleCategory
from registration.models import MessageChannel, MessageStatus, RegistrationStatus, ReminderRule
from registration.reminders import MAX_OFFSET_MINUTES, PRESETS_BY_KEY, RULE_FIELDS, ReminderError, check_rule_values, offset_minutes


class ThaiOrderModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several provinces, listed in Thai dictionary order of their names (meetings.collation)."""

    iterator = ThaiOrderChoiceIterator

    def order_choices(self, objects):
        return sorted_thai(objects, key=self.label_from_instance)


class ReminderRuleForm(forms.ModelForm):
    offset_amount = forms.IntegerField(label=_("How long"), min_value=0, max_value=MAX_OFFSET_MINUTES)
    roles = forms.ModelMultipleChoiceField(
        label=_("Roles"),
        queryset=RoleCategory.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every role."),
    )
    provinces = ThaiOrderModelMultipleChoiceField(
        label=_("Provinces"),
        queryset=Province.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("None chosen: every province. Hold Ctrl (⌘ on a Mac) to choose several."),
    )

    class Meta:
        model = ReminderRule
        fields = [
            "name",
            "is_active",
            "send_email",
            "send_line",
            "offset_unit",
            "anchor",
            "language",
            "registration_status",
            "checkin",
            "posttest",
            "roles",
            "provinces",
            "subject",
            "body",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}
        labels = {"offset_unit": _("Unit")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["offset_amount"] = self.instance.offset_amount
        self.fields["registration_status"].choices = [("", _("Any status")), *RegistrationStatus.choices]
        self.fields["language"].help_text = _("The language of the dates and times in the message; write the text in the same language.")
        self.fields["body"].help_text = _("Placeholders are replaced for each person; the list is beside the form.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("name", css_class="col-md-8"), Column("language", css_class="col-md-4")),
            Fieldset(
                _("When"),
                Row(
                    Column("offset_amount", css_class="col-md-3"),
                    Column("offset_unit", css_class="col-md-3"),
                    Column("anchor", css_class="col-md-6"),
                ),
            ),
            Fieldset(_("Channels"), Row(Column("send_email", css_class="col-md-4"), Column("send_line", css_class="col-md-4"))),
            Fieldset(
                _("Who gets it"),
                Row(
                    Column("registration_status", css_class="col-md-4"),
                    Column("checkin", css_class="col-md-4"),
                    Column("posttest", css_class="col-md-4"),
                ),
                Row(Column("roles", css_class="col-md-6"), Column("provinces", css_class="col-md-6")),
            ),
            Fieldset(_("Message"), "subject", "body"),
            "is_active",
        )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            check_rule_values(self.rule_values())
        except ReminderError as error:
            add_form_error(self, error)
        return data

    def rule_values(self):
        data = self.cleaned_data
        values = {key: data.get(key) for key in RULE_FIELDS if key in self.fields}
        values["offset_minutes"] = offset_minutes(data.get("offset_amount") or 0, data.get("offset_unit"))
        values["registration_status"] = data.get("registration_status") or ""
        return values


def preset_initial(key, language):
    """The create form's starting values for the preset `key` in `language` ({} when unknown)."""
    preset = PRESETS_BY_KEY.get(key)
    return preset.initial(language) if preset is not None else {}


class MessageLogFilterForm(forms.Form):
    """Filters of the message log: which reminder, channel, status, province (central staff), a name."""

    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    what = forms.ChoiceField(label=_("Message"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    province = forms.ModelChoiceField(label=_("Province"), queryset=Province.objects.all(), to_field_name="code", required=False)

    def __init__(self, *args, rules, central, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["what"].choices = [
            ("", _("All messages")),
            *((rule.message_kind, rule.name) for rule in rules),
            ("tests", _("Tests sent to staff")),
        ]
        self.fields["channel"].choices = [("", _("All channels")), *MessageChannel.choices]
        self.fields["status"].choices = [("", _("Any status")), *MessageStatus.choices]
        if not central:
            del self.fields["province"]
