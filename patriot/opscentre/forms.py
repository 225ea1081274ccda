"""The dashboard's filter form and the weekly summary's week selector."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from patriot.cases.choices import ChannelChoices
from patriot.cases.filters import agency_field, category_field, district_field, village_field
from patriot.cases.sla import city_zone
from patriot.opscentre.queries import WINDOW_DAYS, Scope, last_full_week, local_today

MAX_WINDOW_DAYS = 366


class DashboardFilter(forms.Form):
    """Area, category, channel, agency and the statistics window; bind it to request.GET."""

    district = district_field()
    village = village_field()
    category = category_field()
    channel = forms.ChoiceField(
        label=_("Kanal"), required=False, choices=[("", _("Semua kanal")), *ChannelChoices.choices()]
    )
    agency = agency_field()
    date_from = forms.DateField(label=_("Dari tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Sampai tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("Tanggal akhir harus sama dengan atau setelah tanggal awal."))
        elif start and ((end or local_today()) - start).days >= MAX_WINDOW_DAYS:
            self.add_error("date_from", _("Rentang tanggal paling panjang %(days)d hari.") % {"days": MAX_WINDOW_DAYS})
        village, district = cleaned.get("village"), cleaned.get("district")
        if village and district and village.district_id != district.pk:
            self.add_error("village", _("Kelurahan ini tidak berada di kecamatan yang dipilih."))
        return cleaned

    def scope(self) -> Scope:
        """The valid filters as a Scope; invalid fields are left out (their errors are shown next to them)."""
        self.is_valid()
        data = self.cleaned_data
        today = local_today()
        end_day: date = data.get("date_to") or today
        start_day: date = data.get("date_from") or end_day - timedelta(days=WINDOW_DAYS - 1)
        if start_day > end_day or (end_day - start_day).days >= MAX_WINDOW_DAYS:
            end_day, start_day = today, today - timedelta(days=WINDOW_DAYS - 1)
        zone = city_zone()
        return Scope(
            district=data.get("district"),
            village=data.get("village"),
            category=data.get("category"),
            channel=data.get("channel") or "",
            agency=data.get("agency"),
            start=datetime.combine(start_day, time.min, tzinfo=zone),
            end=datetime.combine(end_day + timedelta(days=1), time.min, tzinfo=zone),
        )


class WeekForm(forms.Form):
    """`?minggu=2026-W47` (ISO week, Asia/Jakarta); without one, the last full week."""

    minggu = forms.CharField(label=_("Minggu"), required=False, widget=forms.TextInput(attrs={"type": "week"}))

    def clean_minggu(self) -> date:
        value = (self.cleaned_data.get("minggu") or "").strip()
        if not value:
            return last_full_week()
        try:
            monday = datetime.strptime(value + "-1", "%G-W%V-%u").date()
        except ValueError as error:
            raise forms.ValidationError(_("Pilih minggu dalam format 2026-W47.")) from error
        if monday > local_today():
            raise forms.ValidationError(_("Minggu ini belum dimulai."))
        return monday

    def monday(self) -> date:
        return self.cleaned_data["minggu"] if self.is_valid() else last_full_week()
