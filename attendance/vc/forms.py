"""Forms of the video-conference pages: they parse; the reading, the matching and the checks are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from attendance.models import VcPlatform
from meetings.collation import sorted_venues


class VcUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Participants report"),
        help_text=_("As Zoom, Webex or Microsoft Teams exported it: CSV or tab-separated text (UTF-8, UTF-16 or Thai Windows), or XLSX."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx,text/csv,text/plain"}),
    )
    platform = forms.ChoiceField(
        label=_("Platform"),
        required=False,
        choices=[("", _("Find it from the file"))] + VcPlatform.choices,
    )


class VcConfirmForm(forms.Form):
    mode = forms.ChoiceField(
        choices=[
            ("replace", _("Replaces the report in use (a corrected or complete export)")),
            ("add", _("Adds to it (the meeting was restarted: a second report)")),
        ],
        widget=forms.RadioSelect,
        label=_("This report"),
    )


class VcMatchForm(forms.Form):
    ACTIONS = [
        ("confirm", _("Confirm the match")),
        ("person", _("A registered person")),
        ("room", _("A venue's meeting room")),
        ("ignore", _("Not a participant")),
        ("unmatch", _("Remove the match")),
    ]

    action = forms.ChoiceField(choices=ACTIONS, label=_("This name is"))
    registration = forms.IntegerField(required=False, widget=forms.HiddenInput)
    who = forms.CharField(label=_("Registration code or phone number"), required=False, max_length=40)
    venue = forms.ModelChoiceField(queryset=None, required=False, label=_("Venue"))

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        venues = session.venues.select_related("province")
        self.fields["venue"].queryset = venues
        self.fields["venue"].choices = [("", "—")] + [(v.pk, f"{v.province.name} · {v}") for v in sorted_venues(venues)]
