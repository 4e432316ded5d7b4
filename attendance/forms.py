from django import forms
from django.utils.translation import gettext_lazy as _

from meetings.collation import ThaiOrderModelChoiceField, sorted_venues
from meetings.models import Venue
from registration.models import Registration


class ManualCheckinForm(forms.Form):
    """Central staff check a person in by hand (no QR at hand), always with a reason."""

    registration = forms.ModelChoiceField(
        queryset=Registration.objects.none(),
        label=_("Participant"),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Choose a participant of this session."), "required": _("Choose a participant.")},
    )
    venue = ThaiOrderModelChoiceField(
        queryset=Venue.objects.none(), order=sorted_venues, label=_("Venue"), required=False, empty_label=_("The participant's own venue")
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.TextInput(attrs={"placeholder": _("e.g. forgot the phone with the QR code")})
    )

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registration"].queryset = Registration.objects.active().filter(session=session)
        self.fields["venue"].queryset = session.venues.select_related("province")

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason."))
        return reason


class UndoCheckinForm(forms.Form):
    reason = forms.CharField(label=_("Reason for undoing"), max_length=500)

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason."))
        return reason


class ScannerDeviceForm(forms.Form):
    name = forms.CharField(label=_("Device name"), max_length=100, widget=forms.TextInput(attrs={"placeholder": _("e.g. Registration desk 1")}))


class PersonalLinkForm(forms.Form):
    """An attendee confirms who they are on the self check-in page by pasting their personal link."""

    personal_link = forms.CharField(
        label=_("Your personal link"), max_length=500, widget=forms.TextInput(attrs={"placeholder": "https://…/p/…/", "autocomplete": "off"})
    )
