"""Forms of the console: answering a call, the lookup box, a report on the caller's behalf, ending a call, the log's filters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.callcentre.choices import CallTypeChoices, EmergencyLineChoices
from patriot.callcentre.services import MAX_NAME_LENGTH, MAX_NOTES_LENGTH, PhoneReport
from patriot.cases.forms import ATTRIBUTE_PREFIX, attribute_fields, grouped_categories
from patriot.cases.models import Category
from patriot.cases.services import MAX_DESCRIPTION_LENGTH
from patriot.cases.staff_forms import INTERNAL_TEXT
from patriot.geo.models import District, Village

TEL = {"type": "tel", "inputmode": "tel", "autocomplete": "off"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
DATETIME_INPUTS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]


def _error_to(form: forms.Form, field: str | None, message: str) -> None:
    """Put a service's error next to the field it names, or above the form."""
    form.add_error(field if field in form.fields else None, message)


class AnswerForm(forms.Form):
    """Taking a call: a ringing one the phone system announced (call), or a number typed by hand."""

    caller_number = forms.CharField(
        label=_("Nomor penelepon"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={**TEL, "placeholder": "0812…"}),
    )
    caller_name = forms.CharField(label=_("Nama penelepon (boleh kosong)"), max_length=MAX_NAME_LENGTH, required=False)
    call = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("call") and not (cleaned.get("caller_number") or "").strip():
            self.add_error("caller_number", _("Nomor penelepon wajib diisi."))
        return cleaned

    add_domain_error = _error_to


class GiveNumberForm(forms.Form):
    """The number the caller of a withheld-number call gives, typed by the operator."""

    caller_number = forms.CharField(
        label=_("Nomor yang disebutkan penelepon"),
        max_length=32,
        widget=forms.TextInput(attrs={**TEL, "placeholder": "0812…"}),
        error_messages={"required": _("Ketik nomor yang disebutkan penelepon.")},
    )

    add_domain_error = _error_to


class LookupForm(forms.Form):
    q = forms.CharField(
        label=_("Cari nomor laporan atau nomor telepon"),
        max_length=40,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "BKS-2611-000123 / 0812…", "autocomplete": "off"}
        ),
    )


def village_groups() -> list[tuple[District, list[Village]]]:
    """Kelurahan by kecamatan, for the location picker."""
    by_district: dict[int, list[Village]] = {}
    for village in Village.objects.order_by("name"):
        by_district.setdefault(village.district_id, []).append(village)
    return [(d, by_district[d.pk]) for d in District.objects.order_by("name") if d.pk in by_district]


class CallReportForm(forms.Form):
    """A report taken on the phone: what, where (kelurahan and address, or a tap on the map), and privacy."""

    category = forms.ChoiceField(label=_("Kategori"), choices=())
    description = forms.CharField(
        label=_("Uraian masalah"),
        max_length=MAX_DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Tulis dengan kata-kata penelepon: apa, sejak kapan, seberapa parah."),
    )
    village = forms.ChoiceField(label=_("Kelurahan"), choices=(), required=False)
    address = forms.CharField(
        label=_("Alamat atau patokan"),
        max_length=300,
        required=False,
        help_text=_("Contoh: Jl. Ir. H. Juanda depan SDN Margahayu 1."),
    )
    latitude = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    reporter_name = forms.CharField(label=_("Nama penelepon"), max_length=MAX_NAME_LENGTH, required=False)
    is_anonymous = forms.BooleanField(label=_("Penelepon minta identitasnya dirahasiakan (anonim)"), required=False)
    is_confidential = forms.BooleanField(
        label=_("Penelepon minta laporan tidak ditampilkan ke publik (rahasia)"), required=False
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, attributes_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if attributes_url:
            # The chosen category's extra fields are swapped in by htmx (views.report_attributes).
            self.fields["category"].widget.attrs.update(
                {"hx-get": attributes_url, "hx-trigger": "change", "hx-target": "#attributes", "hx-swap": "innerHTML"}
            )
        self.category_groups = grouped_categories()
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            ("", _("— pilih kategori —")),
            *[(label, [(c.code, c.label) for c in categories]) for _group, label, categories in self.category_groups],
        ]
        self.village_groups = village_groups()
        cast(forms.ChoiceField, self.fields["village"]).choices = [
            ("", _("— pilih kelurahan —")),
            *[(d.name, [(v.code, v.name) for v in villages]) for d, villages in self.village_groups],
        ]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
        code = (self.data.get("category") if self.is_bound else self.initial.get("category")) or ""
        self.category = Category.objects.filter(code=code, is_active=True).first() if code else None  # type: ignore[assignment]  # the form's metaclass moved the declared `category` field to base_fields: this is the chosen Category
        if self.category is not None:
            self.fields.update(attribute_fields(self.category))  # type: ignore[arg-type]  # as above

    @property
    def attribute_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(ATTRIBUTE_PREFIX)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        has_point = cleaned.get("latitude") is not None and cleaned.get("longitude") is not None
        if not has_point and not cleaned.get("village") and "village" not in self.errors:
            self.add_error("village", _("Pilih kelurahan atau ketuk lokasinya di peta."))
        return cleaned

    def point(self) -> tuple[float, float]:
        """The map tap when there is one, else the centre of the chosen kelurahan."""
        data = self.cleaned_data
        if data.get("latitude") is not None and data.get("longitude") is not None:
            return data["latitude"], data["longitude"]
        village = Village.objects.get(code=data["village"])
        return village.centroid_lat, village.centroid_lon

    def report(self) -> PhoneReport:
        assert self.category is not None
        data = self.cleaned_data
        latitude, longitude = self.point()
        attributes: dict[str, Any] = {}
        for name in self.fields:
            if not name.startswith(ATTRIBUTE_PREFIX) or data.get(name) in (None, "", []):
                continue
            value = data[name]
            if isinstance(value, datetime):
                value = value.isoformat()
            elif not isinstance(value, (list, str)):
                value = float(value)
            attributes[name.removeprefix(ATTRIBUTE_PREFIX)] = value
        return PhoneReport(
            category=self.category,
            description=data["description"],
            latitude=latitude,
            longitude=longitude,
            address=data["address"],
            attributes=attributes,
            reporter_name=data["reporter_name"],
            is_anonymous=data["is_anonymous"],
            is_confidential=data["is_confidential"],
        )

    def add_domain_error(self, field: str | None, message: str) -> None:
        if field and field.startswith("attributes.") and ATTRIBUTE_PREFIX + field.split(".", 1)[1] in self.fields:
            self.add_error(ATTRIBUTE_PREFIX + field.split(".", 1)[1], message)
        elif field == "location":
            self.add_error("village", message)
        else:
            _error_to(self, field if field not in ("idempotency_key", "latitude", "longitude") else None, message)


class EndCallForm(forms.Form):
    """The call's log: type (an emergency names the line it went to), times, notes."""

    call_type = forms.ChoiceField(
        label=_("Jenis panggilan"), choices=CallTypeChoices.choices(), widget=forms.RadioSelect
    )
    transferred_to = forms.ChoiceField(
        label=_("Dialihkan ke"),
        choices=[("", _("— tidak dialihkan —")), *EmergencyLineChoices.choices()],
        required=False,
    )
    caller_name = forms.CharField(label=_("Nama penelepon"), max_length=MAX_NAME_LENGTH, required=False)
    started_at = forms.DateTimeField(
        label=_("Mulai"),
        input_formats=DATETIME_INPUTS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format=DATETIME_FORMAT),
    )
    ended_at = forms.DateTimeField(
        label=_("Selesai"),
        input_formats=DATETIME_INPUTS,
        required=False,
        help_text=_("Kosongkan untuk memakai waktu sekarang."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format=DATETIME_FORMAT),
    )
    notes = forms.CharField(
        label=_("Catatan"),
        max_length=MAX_NOTES_LENGTH,
        required=False,
        help_text=INTERNAL_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    add_domain_error = _error_to


def staff_choices() -> list[tuple[str, str]]:
    people = User.objects.filter(role__in=[RoleChoices.CALLCENTRE_OPERATOR, RoleChoices.SYSTEM_ADMIN]).order_by(
        "username"
    )
    return [(str(p.pk), p.get_full_name() or p.username) for p in people]


class CallLogFilterForm(forms.Form):
    since = forms.DateField(label=_("Dari tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Sampai tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    operator = forms.ChoiceField(label=_("Operator"), required=False, choices=())
    call_type = forms.ChoiceField(label=_("Jenis panggilan"), required=False, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everyone = ("", _("Semua"))
        cast(forms.ChoiceField, self.fields["operator"]).choices = [everyone, *staff_choices()]
        cast(forms.ChoiceField, self.fields["call_type"]).choices = [everyone, *CallTypeChoices.choices()]
