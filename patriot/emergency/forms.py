"""The call taker's forms: a new incident in the order the call goes (number, place, complaint, triage), and the
closing of a call that is not an emergency."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patriot.core import clock
from patriot.emergency.choices import (
    AgeBandChoices,
    AnswerChoices,
    ClosureReasonChoices,
    ComplaintChoices,
    TriageLevelChoices,
)
from patriot.emergency.services import CallDetails

CALL_SALT = "patriot.emergency.call-received"


def call_token(now: datetime | None = None) -> str:
    """The page's opening time, signed: the call's "received" time when no phone hook gives one."""
    return signing.dumps((now or clock.now()).isoformat(), salt=CALL_SALT)


def call_received_at(token: str) -> datetime | None:
    try:
        return datetime.fromisoformat(signing.loads(token, salt=CALL_SALT))
    except (signing.BadSignature, ValueError, TypeError):
        return None


class DomainErrorsMixin:
    def add_domain_error(self, field: str | None, message: str) -> None:
        self.add_error(field if field in self.fields else None, message)  # type: ignore[attr-defined]


class IncidentForm(DomainErrorsMixin, forms.Form):
    call_token = forms.CharField(widget=forms.HiddenInput, required=False)
    # The phone call answered on a PSC line (callcentre.Call id), when the page was opened from one.
    phone_call = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    caller_number = forms.CharField(
        label=_("Nomor penelepon"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autofocus": True, "inputmode": "tel", "autocomplete": "off"}),
    )
    callback_number = forms.CharField(
        label=_("Nomor yang dapat dihubungi"),
        max_length=32,
        required=False,
        help_text=_("Kosongkan bila sama dengan nomor penelepon."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    caller_name = forms.CharField(label=_("Nama penelepon"), max_length=120, required=False)
    address = forms.CharField(
        label=_("Alamat / lokasi kejadian"), max_length=300, required=False, widget=forms.TextInput()
    )
    landmark = forms.CharField(label=_("Patokan"), max_length=200, required=False)
    latitude = forms.FloatField(label=_("Lintang"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("Bujur"), required=False, min_value=-180, max_value=180)
    complaint = forms.ChoiceField(
        label=_("Keluhan utama"), choices=[("", "—"), *ComplaintChoices.caller_choices()], required=True
    )
    patient_count = forms.IntegerField(label=_("Jumlah pasien"), min_value=1, max_value=500, initial=1)
    conscious = forms.ChoiceField(label=_("Pasien sadar?"), choices=AnswerChoices.choices(), widget=forms.RadioSelect)
    breathing_normally = forms.ChoiceField(
        label=_("Bernapas normal?"), choices=AnswerChoices.choices(), widget=forms.RadioSelect
    )
    severe_bleeding = forms.ChoiceField(
        label=_("Perdarahan hebat?"), choices=AnswerChoices.choices(), widget=forms.RadioSelect
    )
    age_band = forms.ChoiceField(
        label=_("Kelompok usia"),
        choices=AgeBandChoices.choices(),
        initial=AgeBandChoices.UNKNOWN,
        widget=forms.RadioSelect,
    )
    final_level = forms.ChoiceField(
        label=_("Level triase"),
        choices=[("", _("Pakai level usulan")), *TriageLevelChoices.choices()],
        required=False,
    )
    override_reason = forms.CharField(label=_("Alasan mengubah level"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", _("Isi lintang dan bujur, atau kosongkan keduanya."))
        return data

    def details(self) -> CallDetails:
        data = self.cleaned_data
        return CallDetails(
            complaint=data["complaint"],
            conscious=data["conscious"],
            breathing_normally=data["breathing_normally"],
            severe_bleeding=data["severe_bleeding"],
            age_band=data["age_band"] or AgeBandChoices.UNKNOWN,
            patient_count=data["patient_count"],
            caller_number=data["caller_number"],
            callback_number=data["callback_number"],
            caller_name=data["caller_name"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            address=data["address"],
            landmark=data["landmark"],
            final_level=data["final_level"],
            override_reason=data["override_reason"],
            call_received_at=call_received_at(data["call_token"]),
        )


class NonEmergencyForm(DomainErrorsMixin, forms.Form):
    """Posted by the reason buttons of the new-incident page (so the typed caller number comes along) or of an
    open incident's page."""

    closure_reason = forms.ChoiceField(choices=ClosureReasonChoices.choices())
    caller_number = forms.CharField(max_length=32, required=False)
    call_token = forms.CharField(required=False)
    duplicate_of = forms.IntegerField(required=False, min_value=1)


class ReportPeriodForm(forms.Form):
    """`?dari=2026-11-01&sampai=2026-11-30`: local dates (WIB), both included; without them, the last 30 days."""

    dari = forms.DateField(label=_("Dari tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sampai = forms.DateField(label=_("Sampai tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    DEFAULT_DAYS = 30
    MAX_DAYS = 366

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate(clock.now())
        last = data.get("sampai") or today
        first = data.get("dari") or last - timedelta(days=self.DEFAULT_DAYS - 1)
        if first > last:
            raise forms.ValidationError(_("Tanggal awal harus sebelum atau sama dengan tanggal akhir."))
        if (last - first).days >= self.MAX_DAYS:
            raise forms.ValidationError(_("Pilih periode paling panjang satu tahun."))
        data["dari"], data["sampai"] = first, last
        return data

    def period(self) -> tuple[date, date]:
        """The first and last day (local), the default period when the form is not valid."""
        if self.is_valid():
            return self.cleaned_data["dari"], self.cleaned_data["sampai"]
        last = timezone.localdate(clock.now())
        return last - timedelta(days=self.DEFAULT_DAYS - 1), last
