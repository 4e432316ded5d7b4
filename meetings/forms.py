"""Staff forms for sessions, venues, agenda and quotas (crispy-forms, Bootstrap 5).

Forms parse and validate; the rules themselves live in meetings.services (check_*), so a form
and a management command or API call reject the same input with the same message.
"""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.core.validators import URLValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetings import services
from meetings.collation import ThaiOrderModelChoiceField, province_name
from meetings.errors import add_form_error
from meetings.fields import ThaiDateField, ThaiDateTimeField, ThaiDateTimeWidget
from meetings.models import AuditAction, Session, SessionStatus, Venue


def _datetime_field(label, required=True, help_text=""):
    return ThaiDateTimeField(label=label, required=required, help_text=help_text)


class HttpURLField(forms.URLField):
    """A join link: only http and https (a javascript: or ftp: link never reaches a participant)."""

    default_validators = [URLValidator(schemes=["http", "https"])]
    default_error_messages = {"invalid": _("The join link must start with http:// or https://.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


def _apply_service_check(form, check, *args):
    try:
        check(*args)
    except services.MeetingsError as error:
        add_form_error(form, error)


class SessionForm(forms.ModelForm):
    starts_at = _datetime_field(_("starts at"))
    ends_at = _datetime_field(_("ends at"))
    registration_opens_at = _datetime_field(_("registration opens"), required=False)
    registration_closes_at = _datetime_field(_("registration closes"), required=False)
    checkin_opens_at = _datetime_field(_("check-in opens"), required=False, help_text=_("Empty: 60 minutes before the start."))
    checkin_closes_at = _datetime_field(_("check-in closes"), required=False, help_text=_("Empty: at the end of the session."))
    vc_join_url = HttpURLField(label=_("join link"), required=False, max_length=500)

    class Meta:
        model = Session
        fields = list(services.SESSION_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "objectives": forms.Textarea(attrs={"rows": 3}),
            "chair_title": forms.TextInput(),
            "reporter_title": forms.TextInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("Session"), "title", "description", "objectives"),
            Fieldset(
                _("When"),
                Row(Column("starts_at", css_class="col-md-6"), Column("ends_at", css_class="col-md-6")),
                Row(Column("registration_opens_at", css_class="col-md-6"), Column("registration_closes_at", css_class="col-md-6")),
                Row(Column("checkin_opens_at", css_class="col-md-6"), Column("checkin_closes_at", css_class="col-md-6")),
            ),
            Fieldset(
                _("Organiser"),
                Row(Column("organiser_department", css_class="col-md-6"), Column("organiser_division", css_class="col-md-6")),
                Row(Column("chair_name", css_class="col-md-4"), Column("chair_title", css_class="col-md-8")),
                Row(Column("reporter_name", css_class="col-md-4"), Column("reporter_title", css_class="col-md-8")),
            ),
            Fieldset(
                _("Video conference"),
                Row(Column("vc_platform", css_class="col-md-4"), Column("vc_join_url", css_class="col-md-8")),
                Row(Column("vc_meeting_id", css_class="col-md-6"), Column("vc_passcode", css_class="col-md-6")),
            ),
        )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        values = {name: data.get(name) for name in services.SESSION_FIELDS}
        _apply_service_check(self, services.check_session_times, values)
        return data

    def session_values(self):
        return {name: self.cleaned_data.get(name) for name in services.SESSION_FIELDS}


class DuplicateSessionForm(forms.Form):
    new_start = _datetime_field(_("new start"), help_text=_("The end, the registration and check-in windows and the agenda move with it."))
    title = forms.CharField(label=_("title"), max_length=300, required=False, help_text=_("Empty: keep the same title."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class SessionFilterForm(forms.Form):
    PERIODS = [("", _("All")), ("upcoming", _("Upcoming")), ("past", _("Past"))]

    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(label=_("status"), required=False)
    period = forms.ChoiceField(label=_("Period"), required=False, choices=PERIODS)
    year = forms.IntegerField(label=_("Year (BE)"), required=False, min_value=2500, max_value=2700)

    def __init__(self, *args, show_drafts=True, **kwargs):
        super().__init__(*args, **kwargs)
        statuses = SessionStatus.choices if show_drafts else [c for c in SessionStatus.choices if c[0] != SessionStatus.DRAFT]
        self.fields["status"].choices = [("", _("All"))] + list(statuses)

    def filter(self, sessions):
        if not self.is_valid():
            return sessions
        data = self.cleaned_data
        if data["q"]:
            sessions = sessions.filter(
                Q(title__icontains=data["q"]) | Q(organiser_division__icontains=data["q"]) | Q(organiser_department__icontains=data["q"])
            )
        if data["status"]:
            sessions = sessions.filter(status=data["status"])
        if data["period"] == "upcoming":
            sessions = sessions.upcoming(timezone.now())
        elif data["period"] == "past":
            sessions = sessions.past(timezone.now())
        if data["year"]:
            sessions = sessions.filter(starts_at__year=data["year"] - 543)
        return sessions


class VenueForm(forms.ModelForm):
    vc_join_url = HttpURLField(label=_("own join link"), required=False, max_length=500, help_text=_("Empty: the session's join link."))

    class Meta:
        model = Venue
        fields = list(services.VENUE_FIELDS)
        field_classes = {"province": ThaiOrderModelChoiceField}
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.fields["province"].label_from_instance = province_name
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("province", css_class="col-md-6"), Column("is_host", css_class="col-md-6 pt-md-4")),
            Row(Column("name", css_class="col-md-6"), Column("room", css_class="col-md-6")),
            "address",
            Row(
                Column("coordinator_name", css_class="col-md-5"),
                Column("coordinator_phone", css_class="col-md-4"),
                Column("capacity", css_class="col-md-3"),
            ),
            Fieldset(
                _("Own connection (optional)"),
                Row(
                    Column("vc_join_url", css_class="col-md-6"),
                    Column("vc_meeting_id", css_class="col-md-3"),
                    Column("vc_passcode", css_class="col-md-3"),
                ),
            ),
        )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        values = {name: data.get(name) for name in services.VENUE_FIELDS}
        _apply_service_check(self, services.check_venue, self.session, values, self.instance if self.instance.pk else None)
        return data

    def venue_values(self):
        return {name: self.cleaned_data.get(name) for name in services.VENUE_FIELDS}

    def validate_unique(self):
        # check_venue reports a second venue for a province in Thai; skip the model's English message.
        pass


class AllProvincesVenueForm(forms.Form):
    name_prefix = forms.CharField(
        label=_("Name before the province"),
        max_length=200,
        required=False,
        initial=services.DEFAULT_REMOTE_VENUE_PREFIX,
        help_text=_("The venue is named this text followed by the province's name."),
    )
    room = forms.CharField(label=_("room"), max_length=200, required=False)
    capacity = forms.IntegerField(label=_("capacity"), min_value=0, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class AgendaItemForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # The agenda page lays the items out as table rows under column headings: each input names its column.
    title = forms.CharField(label=_("topic"), max_length=400, widget=forms.TextInput(attrs={"class": "form-control", "aria-label": _("Topic")}))
    presenter = forms.CharField(
        label=_("presenter"), max_length=300, required=False, widget=forms.TextInput(attrs={"class": "form-control", "aria-label": _("Presenter")})
    )
    starts_at = ThaiDateTimeField(label=_("planned start"), required=False, widget=ThaiDateTimeWidget(attrs={"class": "form-control"}))
    duration_minutes = forms.IntegerField(
        label=_("duration (minutes)"),
        required=False,
        min_value=1,
        max_value=1440,
        widget=forms.NumberInput(attrs={"class": "form-control max-w-7rem", "aria-label": _("Minutes")}),
    )


class BaseAgendaFormSet(forms.BaseFormSet):
    def __init__(self, *args, session, **kwargs):
        self.session = session
        super().__init__(*args, **kwargs)

    def rows(self):
        """The kept rows in the order the user gave (ORDER field), as dicts for services.save_agenda."""
        kept = [f for f in self.ordered_forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        return [{k: f.cleaned_data.get(k) for k in ("id", *services.AGENDA_FIELDS)} for f in kept]

    def clean(self):
        if any(self.errors):
            return
        for form in self.forms:
            start = form.cleaned_data.get("starts_at") if form.cleaned_data else None
            if (
                start
                and not form.cleaned_data.get("DELETE")
                and not (self.session.starts_at - datetime.timedelta(hours=12) <= start <= self.session.ends_at)
            ):
                form.add_error("starts_at", _("The planned start is outside the session's time."))


AgendaFormSet = forms.formset_factory(AgendaItemForm, formset=BaseAgendaFormSet, extra=2, can_delete=True, can_order=True)


def quota_field_name(province_id, role_id):
    return f"q_{province_id}_{role_id}"


def fill_field_name(role_id):
    return f"fill_{role_id}"


class QuotaMatrixForm(forms.Form):
    """All provinces × role categories of one session in one form.

    Built from lists the view has already fetched (provinces, roles, current quotas, seats used), so
    the page costs the same few queries for 1 or 77 provinces. A ``fill_<role>`` value sets the whole
    column to that number before validation.
    """

    def __init__(self, *args, session, provinces, roles, quotas, used, **kwargs):
        super().__init__(*args, **kwargs)
        self.session, self.provinces, self.roles, self.used = session, provinces, roles, used
        current = {(q.province_id, q.role_id): q.seats for q in quotas}
        for role in roles:
            self.fields[fill_field_name(role.pk)] = forms.IntegerField(
                required=False,
                min_value=0,
                label=_("Fill column"),
                widget=forms.NumberInput(
                    attrs={
                        "class": "form-control form-control-sm quota-fill",
                        "data-role": role.pk,
                        "min": 0,
                        "aria-label": gettext("Fill the column of %(role)s") % {"role": role.name},
                    }
                ),
            )
        for province in provinces:
            for role in roles:
                self.fields[quota_field_name(province.pk, role.pk)] = forms.IntegerField(
                    required=False,
                    min_value=0,
                    initial=current.get((province.pk, role.pk)),
                    label=f"{province.name} · {role.name}",
                    widget=forms.NumberInput(
                        attrs={
                            "class": "form-control form-control-sm quota-cell",
                            "data-role": role.pk,
                            "data-province": province.pk,
                            "min": 0,
                            "inputmode": "numeric",
                        }
                    ),
                )

    def _post_clean_fill(self, data):
        self._filled_roles = set()
        for role in self.roles:
            value = data.get(fill_field_name(role.pk))
            if value is not None:
                self._filled_roles.add(role.pk)
                for province in self.provinces:
                    data[quota_field_name(province.pk, role.pk)] = value

    def clean(self):
        data = super().clean()
        self._post_clean_fill(data)
        cells = self.cells(data)
        try:
            services.check_quota_matrix(self.session, cells, used=self.used, provinces=self.provinces, roles=self.roles)
        except services.QuotaError as error:
            self.add_quota_error(error)
        return data

    def add_quota_error(self, error):
        """Show a QuotaError: each cell's message on its cell, the summary above the matrix."""
        for cell in (error.details or {}).get("cells", ()):
            name = quota_field_name(cell["province_id"], cell["role_id"])
            if name in self.fields and name not in self.errors:
                self.add_error(name, cell["message"])
        add_form_error(self, error)

    def cells(self, data=None):
        """The cells this submission sets. A cell absent from the POST (not merely empty) is left alone,
        so a truncated request cannot wipe quotas."""
        data = self.cleaned_data if data is None else data
        filled = getattr(self, "_filled_roles", set())
        return {
            (p.pk, r.pk): data.get(quota_field_name(p.pk, r.pk))
            for p in self.provinces
            for r in self.roles
            if r.pk in filled or quota_field_name(p.pk, r.pk) in self.data
        }

    def _cell_value(self, name, role_id):
        """What the cell shows: the submitted text (or its column's fill) when bound, else the current quota."""
        if self.is_bound:
            if role_id in getattr(self, "_filled_roles", ()):
                return self.cleaned_data.get(fill_field_name(role_id))
            return self.data.get(self.add_prefix(name), "")
        value = self.fields[name].initial
        return "" if value is None else value

    def rows(self):
        """[(province, [cell dict], row total)] for the template.

        Plain values rather than bound fields: 300+ bound-field lookups would dominate the page's time.
        """
        errors = self.errors if self.is_bound else {}
        out = []
        for province in self.provinces:
            cells, total = [], 0
            for role in self.roles:
                name = quota_field_name(province.pk, role.pk)
                value = self._cell_value(name, role.pk)
                try:
                    total += int(value or 0)
                except (TypeError, ValueError):
                    pass
                cells.append(
                    {
                        "role": role,
                        "name": self.add_prefix(name),
                        "value": value,
                        "label": f"{province.name} · {role.name}",
                        "used": self.used.get((province.pk, role.pk), 0),
                        "error": (errors.get(name) or [None])[0],
                    }
                )
            out.append((province, cells, total))
        return out

    def column_totals(self):
        totals = []
        for role in self.roles:
            seats = used = 0
            for province in self.provinces:
                try:
                    seats += int(self._cell_value(quota_field_name(province.pk, role.pk), role.pk) or 0)
                except (TypeError, ValueError):
                    pass
                used += self.used.get((province.pk, role.pk), 0)
            totals.append((role, self[fill_field_name(role.pk)], seats, used))
        return totals


class AuditFilterForm(forms.Form):
    """Filters of the audit log page: what was done, from and to which day, by whom."""

    action = forms.ChoiceField(label=_("action"), required=False)
    date_from = ThaiDateField(label=_("From"), required=False)
    date_to = ThaiDateField(label=_("To"), required=False)
    user = forms.ModelChoiceField(label=_("by"), queryset=None, required=False)

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All"))] + list(AuditAction.choices)
        self.fields["user"].queryset = users
        self.fields["user"].label_from_instance = lambda user: user.get_full_name() or user.username

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", gettext("The end date is before the start date."))
        return data

    def filter(self, entries):
        if not self.is_valid():
            return entries
        data = self.cleaned_data
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["date_from"]:
            entries = entries.filter(at__gte=_day_start(data["date_from"]))
        if data["date_to"]:
            entries = entries.filter(at__lt=_day_start(data["date_to"] + datetime.timedelta(days=1)))
        if data["user"]:
            entries = entries.filter(user=data["user"])
        return entries


def _day_start(day):
    """Midnight at the start of `day` in the site's time zone (Bangkok)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
