"""Forms of the areas pages: which area and period (GET), a dengue case (Dinkes), what URC did (resolve)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from patriot.core import clock
from patriot.geo.models import District, Village
from patriot.larvae.indices import Area, Period
from patriot.larvae.services.thresholds import ACTIONS_TAKEN

MAX_RANGE_DAYS = 366


class AreaPeriodForm(forms.Form):
    """`?kecamatan=&kelurahan=&rw=&rt=&periode=minggu|bulan|rentang&minggu=2026-W49&bulan=2026-11&dari=&sampai=`;
    nothing chosen: the city, this week."""

    kecamatan = forms.ModelChoiceField(
        District.objects.order_by("name"), label=_("Kecamatan"), required=False, empty_label=_("Seluruh kota")
    )
    kelurahan = forms.ModelChoiceField(
        Village.objects.select_related("district").order_by("name"),
        label=_("Kelurahan"),
        required=False,
        empty_label=_("Semua kelurahan"),
    )
    rw = forms.IntegerField(label=_("RW"), required=False, min_value=1, max_value=999)
    rt = forms.IntegerField(label=_("RT"), required=False, min_value=1, max_value=999)
    periode = forms.ChoiceField(
        label=_("Periode"),
        required=False,
        choices=[("minggu", _("Minggu")), ("bulan", _("Bulan")), ("rentang", _("Rentang tanggal"))],
    )
    minggu = forms.CharField(label=_("Minggu"), required=False, widget=forms.TextInput(attrs={"type": "week"}))
    bulan = forms.CharField(label=_("Bulan"), required=False, widget=forms.TextInput(attrs={"type": "month"}))
    dari = forms.DateField(label=_("Dari"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sampai = forms.DateField(label=_("Sampai"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        village = data.get("kelurahan")
        district = data.get("kecamatan")
        if village is not None and district is not None and village.district_id != district.pk:
            self.add_error("kelurahan", _("Kelurahan ini tidak berada di kecamatan yang dipilih."))
        if data.get("rw") is not None and village is None:
            self.add_error("rw", _("Pilih kelurahannya dulu: nomor RW berulang di tiap kelurahan."))
        if data.get("rt") is not None and data.get("rw") is None:
            self.add_error("rt", _("Pilih RW-nya dulu: nomor RT berulang di tiap RW."))
        kind = data.get("periode") or "minggu"
        try:
            data["period"] = self._period(kind, data)
        except ValueError as error:
            self.add_error(None, str(error))
        return data

    def _period(self, kind: str, data: dict[str, Any]) -> Period:
        if kind == "bulan":
            value = (data.get("bulan") or "").strip()
            if not value:
                now = clock.now()
                return Period.month(now.year, now.month)
            try:
                month = datetime.strptime(value, "%Y-%m")
            except ValueError:
                raise ValueError(_("Pilih bulan dalam format 2026-11.")) from None
            return Period.month(month.year, month.month)
        if kind == "rentang":
            first: date | None = data.get("dari")
            last: date | None = data.get("sampai")
            if first is None or last is None:
                raise ValueError(_("Isi tanggal awal dan akhir."))
            if last < first:
                raise ValueError(_("Tanggal akhir sebelum tanggal awal."))
            if (last - first).days > MAX_RANGE_DAYS:
                raise ValueError(_("Rentang paling panjang satu tahun."))
            return Period.days(first, last)
        value = (data.get("minggu") or "").strip()
        if not value:
            return Period.week_of(clock.now())
        try:
            year, week, _weekday = datetime.strptime(value + "-1", "%G-W%V-%u").isocalendar()
        except ValueError:
            raise ValueError(_("Pilih minggu dalam format 2026-W47.")) from None
        return Period.iso_week(year, week)

    def area(self) -> Area:
        if not self.is_valid():
            return Area()
        village = self.cleaned_data.get("kelurahan")
        district = self.cleaned_data.get("kecamatan")
        if village is not None:
            return Area(
                district_id=village.district_id,
                village_id=village.pk,
                rw=self.cleaned_data.get("rw"),
                rt=self.cleaned_data.get("rt"),
            )
        return Area(district_id=district.pk if district else None)

    def period(self) -> Period:
        if self.is_valid() and "period" in self.cleaned_data:
            period: Period = self.cleaned_data["period"]
            return period
        return Period.week_of(clock.now())


class DengueCaseForm(forms.Form):
    kelurahan = forms.ModelChoiceField(
        Village.objects.select_related("district").order_by("name"), label=_("Kelurahan")
    )
    rw = forms.IntegerField(label=_("RW (jika diketahui)"), required=False, min_value=1, max_value=999)
    tanggal = forms.DateField(label=_("Tanggal diagnosis"), widget=forms.DateInput(attrs={"type": "date"}))
    jumlah = forms.IntegerField(label=_("Jumlah kasus"), min_value=1, max_value=500, initial=1)

    def add_domain_error(self, field: str | None, message: str) -> None:
        names = {"count": "jumlah", "onset_date": "tanggal", "rw": "rw"}
        self.add_error(names.get(field or ""), message)


class ResolveAlertForm(forms.Form):
    tindakan = forms.MultipleChoiceField(
        label=_("Tindakan yang dilakukan"),
        choices=list(ACTIONS_TAKEN.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    catatan = forms.CharField(label=_("Catatan penanganan"), widget=forms.Textarea(attrs={"rows": 3}))
    foto = forms.FileField(label=_("Foto bukti"))
