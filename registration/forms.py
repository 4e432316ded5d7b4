"""Forms for registering a participant, substituting one, and uploading a participant list."""
import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

from meetings.models import Province, RoleCategory
from registration.models import Prefix, Registration
from registration.thai_id import clean_national_id
from registration.thai_phone import INVALID_PHONE_MESSAGE, normalise_phone

THAI_LETTER = re.compile(r"[\u0e01-\u0e4e]")
NAME_FORBIDDEN = re.compile(r"[\d<>@=+_/\\]")


def check_thai_name(value):
    """A first or last name written in Thai script (no digits or symbols); return an error message or None."""
    if not THAI_LETTER.search(value) or NAME_FORBIDDEN.search(value):
        return gettext("Write the name in Thai letters.")
    return None


class ParticipantForm(forms.ModelForm):
    """One person's details; `role` offers the roles the session has seats for in the province."""

    role = forms.ModelChoiceField(queryset=RoleCategory.objects.none(), label=_("role category"))
    # Wider than the 13 stored digits: people type dashes and spaces (1-1017-00203-45-0).
    national_id = forms.CharField(
        label=_("national ID"), required=False, max_length=20,
        help_text=_("Optional. 13 digits; the check digit is verified."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("mobile phone"), max_length=20, help_text=_("10 digits, e.g. 081-234-5678; +66 is accepted."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    class Meta:
        model = Registration
        fields = [
            "prefix", "first_name", "last_name", "position", "organisation", "village", "subdistrict", "district",
            "role", "phone", "email", "national_id",
        ]
        labels = {"first_name": _("First name (Thai)"), "last_name": _("Last name (Thai)")}
        help_texts = {
            "phone": _("10 digits, e.g. 081-234-5678; +66 is accepted."),
            "national_id": _("Optional. 13 digits; the check digit is verified."),
            "village": _("Where it applies (committee members)."),
        }
        widgets = {
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "national_id": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        }

    def __init__(self, *args, roles=None, with_role=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prefix"].choices = [("", "---------"), *Prefix.choices]
        if with_role:
            self.fields["role"].queryset = roles if roles is not None else RoleCategory.objects.all()
        else:
            del self.fields["role"]

    def _clean_name(self, name):
        value = " ".join(self.cleaned_data.get(name, "").split())
        message = check_thai_name(value) if value else None
        if message:
            raise forms.ValidationError(message, code="not_thai")
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
            raise forms.ValidationError(
                _("This national ID fails its check digit; check the number."), code="bad_check_digit")
        except StdnumError:
            raise forms.ValidationError(_("A national ID has 13 digits."), code="invalid_national_id")

    def validate_unique(self):
        # Duplicates are the service's job: it checks under the quota lock and names the other province.
        pass

    def participant_data(self):
        data = {name: self.cleaned_data.get(name, "") for name in self.Meta.fields if name != "role"}
        if "role" in self.fields:
            data["role"] = self.cleaned_data["role"]
        return data


class ProvinceChoiceForm(forms.Form):
    """Central staff choose which province they act for (import, new registration)."""

    province = forms.ModelChoiceField(queryset=Province.objects.order_by("name_th"), label=_("province"), to_field_name="code")


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Participant list (XLSX or CSV)"),
        help_text=_("Use the template. CSV may be UTF-8 or Thai Windows (TIS-620)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s MB; the largest file accepted is %(limit)s MB."),
                code="too_big",
                params={"size": f"{upload.size / 1048576:.1f}", "limit": f"{limit / 1048576:.1f}"},
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."), code="empty")
        return upload


class RegistrationFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or phone"), required=False)
    province = forms.ModelChoiceField(
        queryset=Province.objects.order_by("name_th"), required=False, label=_("province"), to_field_name="code")
    role = forms.ModelChoiceField(queryset=RoleCategory.objects.all(), required=False, label=_("role category"),
                                  to_field_name="code")
    status = forms.ChoiceField(required=False, label=_("status"))

    def __init__(self, *args, central=False, **kwargs):
        from registration.models import RegistrationStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Active")), ("all", _("All")), *RegistrationStatus.choices]
        if not central:
            del self.fields["province"]
