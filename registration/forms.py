"""Forms for registering a participant, substituting one, and uploading a participant list.

ParticipantForm holds every rule for one person's details: the page's form and each row of an imported
file (registration/imports.py) go through it, so both say the same thing about the same value.
"""

import re

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

from meetings.collation import ThaiOrderModelChoiceField
from meetings.models import Province, RoleCategory
from registration.errors import NO_SEATS_MESSAGE
from registration.models import PERSON_FIELDS, Registration, RegistrationStatus
from registration.thai_id import clean_national_id
from registration.thai_phone import INVALID_PHONE_MESSAGE, normalise_phone

THAI_LETTER = re.compile(r"[\u0e01-\u0e4e]")
NAME_FORBIDDEN = re.compile(r"[\d<>@=+_/\\]")
MAX_LENGTH_MESSAGE = _("Write at most %(limit_value)d characters (this has %(show_value)d).")


def role_key(text):
    """How a role is matched when written out (a spreadsheet cell): case, spacing and underscores do not count."""
    return re.sub(r"[\s_]+", " ", str(text)).strip().lower()


class RoleField(forms.ChoiceField):
    """A role category the session has seats for in the province.

    The page's select sends the role's id; a spreadsheet cell writes its Thai or English name or its code.
    `roles` is evaluated once, so checking a file of many rows costs no query per row. Cleans to the
    RoleCategory.
    """

    def __init__(self, *, roles, province, **kwargs):
        self.province = province
        super().__init__(**kwargs)
        self.roles = roles

    @property
    def roles(self):
        return self._roles

    @roles.setter
    def roles(self, roles):
        self._roles = list(roles)
        self.choices = [("", "---------"), *((role.pk, role.name) for role in self._roles)]
        self._lookup = {}
        for role in self._roles:
            for name in (role.pk, role.code, role.name_en, role.name_th):
                self._lookup.setdefault(role_key(name), role)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return self._lookup.get(role_key(value)) or str(value)

    def validate(self, value):
        if value is None:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return
        if not isinstance(value, RoleCategory):
            raise forms.ValidationError(
                NO_SEATS_MESSAGE,
                code="no_quota",
                params={"role": value, "province": self.province.name if self.province else "-"},
            )


class ParticipantForm(forms.ModelForm):
    """One person's details; `role` offers the roles the session has seats for in the province (`roles`).

    Duplicates and quotas are not checked here but by the services, under the quota lock.

    With an `instance` that has a national ID (a correction), the field never carries the number: it
    shows the masked one, left empty it keeps the number on file, a new valid number replaces it, and
    "remove" clears it.
    """

    # Wider than the 13 stored digits: people type dashes and spaces (1-1017-00203-45-0).
    national_id = forms.CharField(
        label=_("national ID"),
        required=False,
        max_length=20,
        help_text=_("Optional. 13 digits; the check digit is verified."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("mobile phone"),
        max_length=20,
        help_text=_("10 digits, e.g. 081-234-5678; +66 is accepted."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    class Meta:
        model = Registration
        # `role` is a form field only (RoleField): a registration's role is set by the service, not edited.
        fields = list(PERSON_FIELDS)
        labels = {"first_name": _("First name (Thai)"), "last_name": _("Last name (Thai)")}
        help_texts = {"village": _("Where it applies (committee members).")}

    def __init__(self, *args, roles=(), province=None, with_role=True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_role:
            self.fields["role"] = RoleField(roles=roles, province=province, label=_("role category"))
            self.order_fields([*self.Meta.fields[:8], "role"])
        self.keeps_national_id = bool(self.instance.pk and self.instance.has_national_id)
        if self.keeps_national_id:
            masked = self.instance.masked_national_id
            self.fields["national_id"].widget.attrs["placeholder"] = masked
            self.fields["national_id"].help_text = gettext("On file: %(masked)s. Leave empty to keep it, or type a new number to replace it.") % {
                "masked": masked
            }
            self.fields["clear_national_id"] = forms.BooleanField(label=_("Remove the national ID on file"), required=False)
        for field in self.fields.values():
            field.error_messages["max_length"] = MAX_LENGTH_MESSAGE

    def _clean_name(self, name):
        value = " ".join(self.cleaned_data.get(name, "").split())
        if value and (not THAI_LETTER.search(value) or NAME_FORBIDDEN.search(value)):
            raise forms.ValidationError(_("Write the name in Thai letters."), code="not_thai")
        return value

    def clean_first_name(self):
        return self._clean_name("first_name")

    def clean_last_name(self):
        return self._clean_name("last_name")

    def clean_phone(self):
        phone = normalise_phone(self.cleaned_data.get("phone"))
        if phone is None:
            raise forms.ValidationError(INVALID_PHONE_MESSAGE, code="invalid_phone")
        return phone

    def clean_national_id(self):
        value = (self.cleaned_data.get("national_id") or "").strip()
        if not value:
            return ""
        try:
            return clean_national_id(value)
        except InvalidChecksum:
            raise forms.ValidationError(_("This national ID fails its check digit; check the number."), code="bad_check_digit") from None
        except StdnumError:
            raise forms.ValidationError(_("A national ID has 13 digits."), code="invalid_national_id") from None

    def validate_unique(self):
        # Duplicates are the service's job: it checks under the quota lock and names the other province.
        pass

    def participant_data(self):
        """The cleaned fields as the services take them (`role` only when the form has it); a field that did
        not validate is left out."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data}
        if self.keeps_national_id and not data.get("national_id") and not self.cleaned_data.get("clear_national_id"):
            data.pop("national_id", None)  # unchanged: the services keep the number on file
        if "role" in self.fields:
            data["role"] = self.cleaned_data.get("role")
        return data


class NationalIdRevealForm(forms.Form):
    """Central staff say why they need a full national ID; the reason is kept with the reveal."""

    reason = forms.CharField(
        label=_("Reason for showing the full number"),
        max_length=500,
        help_text=_("Recorded with your name and the time."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Say why you need the full number.")},
    )


class ProvinceChoiceForm(forms.Form):
    """Central staff choose which province they act for (import, new registration)."""

    province = ThaiOrderModelChoiceField(queryset=Province.objects.all(), label=_("province"), to_field_name="code")


class ImportUploadForm(forms.Form):
    """The file only: its size, encoding and contents are checked by registration.imports, for the page
    and the command line alike."""

    file = forms.FileField(
        label=_("Participant list (XLSX or CSV)"),
        help_text=_("Use the template. CSV may be UTF-8 or Thai Windows (TIS-620)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )


class RegistrationFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, phone or national ID"), required=False)
    province = ThaiOrderModelChoiceField(queryset=Province.objects.all(), required=False, label=_("province"), to_field_name="code")
    role = forms.ModelChoiceField(queryset=RoleCategory.objects.all(), required=False, label=_("role category"), to_field_name="code")
    status = forms.ChoiceField(required=False, label=_("status"))

    def __init__(self, *args, central=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Active")), ("all", _("All")), *RegistrationStatus.choices]
        if not central:
            del self.fields["province"]


class AnonymiseForm(forms.Form):
    """Central staff erase a person's data: why (kept in the audit log)."""

    reason = forms.CharField(
        label=_("Reason for erasing"),
        max_length=300,
        help_text=_("Kept in the audit log: say who asked and on what basis, without the person's name."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Give the reason for erasing this person's data.")},
    )
