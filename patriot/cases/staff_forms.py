"""Forms of the staff case pages: one per workflow action; the services keep the domain rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from patriot.accounts.models import Agency, ResponseTeam
from patriot.cases.choices import PriorityChoices, RejectionReasonChoices
from patriot.cases.services import MAX_NOTE_LENGTH


class StaffForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


# Every staff text field says who will read it (TimelineKindChoices.CITIZEN_NOTE_KINDS is the rule behind it).
INTERNAL_TEXT = _("Catatan internal — tidak terlihat oleh pelapor/publik")
SHOWN_TO_REPORTER = _("Terlihat oleh pelapor dan publik")


def _note(label: Any, *, audience: Any, required: bool = False, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_NOTE_LENGTH,
        help_text=audience,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class VerifyForm(StaffForm):
    priority = forms.ChoiceField(label=_("Prioritas"), choices=PriorityChoices.choices(), required=False)
    note = _note(_("Catatan verifikasi"), audience=INTERNAL_TEXT)


class RejectForm(StaffForm):
    reason = forms.ChoiceField(
        label=_("Alasan penolakan"), choices=[("", _("Pilih alasan…")), *RejectionReasonChoices.choices()]
    )
    note = _note(_("Catatan penolakan"), audience=SHOWN_TO_REPORTER)


class MergeForm(StaffForm):
    into = forms.ChoiceField(label=_("Gabungkan ke laporan"))
    note = _note(_("Catatan"), audience=INTERNAL_TEXT, rows=1)

    def __init__(self, *args: Any, candidates: list[dict[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["into"]).choices = [
            (c["tracking_number"], f"{c['tracking_number']} · {c.get('headline', c['title'])}")
            for c in (candidates or [])
        ]


class DispatchForm(StaffForm):
    agency = forms.ModelChoiceField(
        label=_("OPD tujuan"),
        queryset=Agency.objects.filter(is_active=True),
        to_field_name="code",
        empty_label=_("Pilih OPD…"),
    )
    note = _note(_("Catatan disposisi"), audience=INTERNAL_TEXT)


class ForwardForm(StaffForm):
    agency = forms.ModelChoiceField(
        label=_("Teruskan ke OPD"),
        queryset=Agency.objects.filter(is_active=True),
        to_field_name="code",
        empty_label=_("Pilih OPD…"),
    )
    reason = _note(_("Alasan meneruskan"), audience=INTERNAL_TEXT, required=True)

    def __init__(self, *args: Any, current_agency_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if current_agency_id is not None:
            agencies = Agency.objects.filter(is_active=True).exclude(pk=current_agency_id)
            cast(forms.ModelChoiceField, self.fields["agency"]).queryset = agencies


class AssignForm(StaffForm):
    team = forms.ModelChoiceField(
        label=_("Tim URC"), queryset=ResponseTeam.objects.none(), to_field_name="code", empty_label=_("Pilih tim…")
    )
    note = _note(_("Catatan penugasan"), audience=INTERNAL_TEXT)

    def __init__(self, *args: Any, agency_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = (
            ResponseTeam.objects.filter(agency_id=agency_id, is_active=True)
            if agency_id
            else ResponseTeam.objects.none()
        )
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams


class StartForm(StaffForm):
    note = _note(_("Catatan"), audience=INTERNAL_TEXT, rows=1)


class ResolveForm(StaffForm):
    proof_photo = forms.ImageField(
        label=_("Foto bukti penanganan"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
        error_messages={"required": _("Lampirkan foto bukti penanganan.")},
    )
    note = _note(_("Catatan penanganan"), audience=SHOWN_TO_REPORTER, required=True, rows=3)


class CommentForm(StaffForm):
    note = _note(
        _("Komentar"),
        audience=_("Catatan internal — tidak terlihat oleh pelapor/publik, kecuali Anda mencentang kotak di bawah"),
        required=True,
    )
    is_public = forms.BooleanField(label=_("Tampilkan ke pelapor dan publik"), required=False)


class SaveFilterForm(StaffForm):
    name = forms.CharField(label=_("Nama filter"), max_length=80)


# --- the mayor's instructions ("disposisi pimpinan") ---------------------------------------------


class InstructionForm(forms.Form):
    """The mayor's instruction on a case ("disposisi pimpinan")."""

    text = forms.CharField(
        label=_("Isi disposisi"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Catatan internal — tidak terlihat oleh pelapor/publik. "
            "Ditujukan ke OPD yang menangani laporan; tercatat di riwayat sampai ditanggapi."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "instruct-%s")  # the case page holds other forms with a "text" field
        super().__init__(*args, **kwargs)


class InstructionAnswerForm(forms.Form):
    """An agency's answer to one instruction; on the case page each instruction's form gets its own ids
    (`answer_form_for` in the cases template tags)."""

    answer = forms.CharField(
        label=_("Tanggapan"), max_length=2000, help_text=INTERNAL_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
