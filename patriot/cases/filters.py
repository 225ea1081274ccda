"""The case search filter: one definition of the search fields, shared by the staff list pages (and later the API)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.db.models.functions import ExtractHour
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patriot.accounts.models import Agency, User
from patriot.cases.choices import CaseStateChoices, ChannelChoices, SlaStatusChoices
from patriot.cases.models import Case, Category
from patriot.cases.queries import reporter_shown
from patriot.core.errors import InvalidInput
from patriot.core.phones import normalise_phone
from patriot.geo.models import District, Village

# The parameters a saved filter or a CSV link carries; paging is not part of a filter.
FILTER_FIELDS = (
    "number",
    "phone",
    "text",
    "district",
    "village",
    "state",
    "category",
    "agency",
    "sla_status",
    "channel",
    "hour",
    "created_from",
    "created_to",
)


def district_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Kecamatan"),
        required=False,
        queryset=District.objects.order_by("name"),
        to_field_name="code",
        empty_label=_("Semua kecamatan"),
    )


def village_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Kelurahan"),
        required=False,
        queryset=Village.objects.select_related("district").order_by("name"),
        to_field_name="code",
        empty_label=_("Semua kelurahan"),
    )


def category_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Kategori"),
        required=False,
        queryset=Category.objects.order_by("name"),
        to_field_name="code",
        empty_label=_("Semua kategori"),
    )


def agency_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("OPD"),
        required=False,
        queryset=Agency.objects.order_by("short_name"),
        to_field_name="code",
        empty_label=_("Semua OPD"),
    )


class CaseFilter(forms.Form):
    """Search fields for staff case lists. Bind it to request.GET; `apply()` narrows a queryset."""

    number = forms.CharField(label=_("Nomor laporan"), required=False, max_length=24)
    phone = forms.CharField(label=_("HP pelapor"), required=False, max_length=20)
    text = forms.CharField(label=_("Kata dalam judul atau uraian"), required=False, max_length=100)
    district = district_field()
    village = village_field()
    state = forms.MultipleChoiceField(
        label=_("Status"), required=False, choices=CaseStateChoices.choices(), widget=forms.CheckboxSelectMultiple
    )
    category = category_field()
    agency = agency_field()
    sla_status = forms.ChoiceField(
        label=_("Status SLA"), required=False, choices=[("", _("Semua")), *SlaStatusChoices.choices()]
    )
    channel = forms.ChoiceField(label=_("Kanal"), required=False, choices=[("", _("Semua")), *ChannelChoices.choices()])
    hour = forms.TypedChoiceField(
        label=_("Jam masuk"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Semua")), *((str(h), f"{h:02d}.00–{h:02d}.59") for h in range(24))],
    )
    created_from = forms.DateField(
        label=_("Dilaporkan sejak"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("Dilaporkan sampai"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_phone(self) -> str:
        """A whole number however written ("0812-3456-7890", "62 812…") becomes E.164 like the stored numbers;
        anything shorter is a part of a number: its digits after the country or trunk prefix ("3456 7890")."""
        typed = self.cleaned_data["phone"].strip()
        digits = "".join(ch for ch in typed if ch.isdigit())
        if typed.startswith("+") or digits.startswith(("0", "62")):
            try:
                return normalise_phone(typed, field="phone", allow_foreign=True)
            except InvalidInput:
                pass
        for prefix in ("62", "0"):
            if digits.startswith(prefix):
                return digits[len(prefix) :]
        return digits

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("Tanggal akhir harus sama dengan atau setelah tanggal awal."))
        return cleaned

    def is_empty(self) -> bool:
        return not any(self.data.get(name) for name in FILTER_FIELDS)

    def apply(self, cases: QuerySet[Case], user: User) -> QuerySet[Case]:
        """The cases matching the valid fields. Searching by phone never finds an anonymous report for
        someone who may not see anonymous reporters: the match itself would reveal who reported."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("number"):
            cases = cases.filter(tracking_number__iexact=data["number"].strip())
        if data.get("phone"):
            phone = data["phone"]
            # Reporters' numbers are stored in E.164 (cases/0007 rewrote older rows): a whole number is an
            # exact match on the case_reporter_phone index, a part of one a substring of the digits.
            if phone.startswith("+"):
                cases = cases.filter(reporter_phone=phone)
            else:
                cases = cases.filter(reporter_phone__contains=phone)
            cases = cases.filter(reporter_shown(user))
        if data.get("text"):
            cases = cases.filter(Q(title__icontains=data["text"]) | Q(description__icontains=data["text"]))
        for name in ("district", "village", "category", "agency"):
            if data.get(name):
                cases = cases.filter(**{name: data[name]})
        if data.get("state"):
            cases = cases.filter(state__in=data["state"])
        if data.get("sla_status"):
            cases = cases.filter(sla_status=data["sla_status"])
        if data.get("channel"):
            cases = cases.filter(channel=data["channel"])
        zone = timezone.get_default_timezone()
        if data.get("hour") is not None:
            cases = cases.annotate(created_hour=ExtractHour("created_at", tzinfo=zone)).filter(
                created_hour=data["hour"]
            )
        if data.get("created_from"):
            cases = cases.filter(created_at__gte=datetime.combine(data["created_from"], time.min, tzinfo=zone))
        if data.get("created_to"):
            end = datetime.combine(data["created_to"] + timedelta(days=1), time.min, tzinfo=zone)
            cases = cases.filter(created_at__lt=end)
        return cases

    def query_string(self) -> str:
        """The filter's own parameters as a query string (no page number), for saving and for the CSV link."""
        kept = cast(QueryDict, self.data).copy()  # the filters are always bound to request.GET or a saved query
        for key in list(kept.keys()):
            if key not in FILTER_FIELDS or not any(kept.getlist(key)):
                del kept[key]
        return kept.urlencode()
