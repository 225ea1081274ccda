"""The referral form (patient, diagnosis, vital signs, need, attachments) and the answer and step forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from patriot.referrals.choices import (
    BedTypeChoices,
    ConsciousnessChoices,
    RejectReasonChoices,
    ServiceChoices,
    SexChoices,
    TransportChoices,
    UrgencyChoices,
)
from patriot.referrals.services import ReferralDetails


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ReferralForm(forms.Form):
    patient_name = forms.CharField(label=_("Nama pasien"), max_length=120)
    nik = forms.CharField(label=_("NIK"), max_length=20, help_text=_("16 angka, sesuai KTP/KK"))
    birth_date = forms.DateField(label=_("Tanggal lahir"), widget=forms.DateInput(attrs={"type": "date"}))
    sex = forms.ChoiceField(label=_("Jenis kelamin"), choices=SexChoices.choices(), widget=forms.RadioSelect)
    bpjs_number = forms.CharField(label=_("Nomor BPJS (jika ada)"), max_length=20, required=False)
    relative_phone = forms.CharField(label=_("Telepon keluarga"), max_length=32)
    reason = forms.CharField(label=_("Alasan merujuk"), widget=forms.Textarea(attrs={"rows": 3}))
    diagnoses = forms.CharField(
        label=_("Diagnosis (ICD-10)"),
        help_text=_("Kode dipisah koma, misalnya I63, I10. Cari kode dengan nama penyakit."),
        widget=forms.TextInput(attrs={"list": "icd10-options", "autocomplete": "off", "data-icd10": "1"}),
    )
    consciousness = forms.ChoiceField(label=_("Kesadaran"), choices=ConsciousnessChoices.choices())
    gcs = forms.IntegerField(label=_("GCS"), required=False)
    systolic = forms.IntegerField(label=_("Tekanan darah sistolik (mmHg)"), required=False)
    diastolic = forms.IntegerField(label=_("Tekanan darah diastolik (mmHg)"), required=False)
    pulse = forms.IntegerField(label=_("Nadi (/menit)"), required=False)
    respiratory_rate = forms.IntegerField(label=_("Frekuensi napas (/menit)"), required=False)
    temperature = forms.DecimalField(label=_("Suhu (°C)"), max_digits=3, decimal_places=1, required=False)
    spo2 = forms.IntegerField(label=_("SpO2 (%)"), required=False)
    bed_type = forms.ChoiceField(label=_("Jenis tempat tidur yang dibutuhkan"), choices=BedTypeChoices.choices())
    service = forms.ChoiceField(
        label=_("Layanan yang dibutuhkan"), choices=[("", "—"), *ServiceChoices.choices()], required=False
    )
    urgency = forms.ChoiceField(label=_("Urgensi"), choices=UrgencyChoices.choices(), widget=forms.RadioSelect)
    maternal = forms.BooleanField(label=_("Kasus maternal (ibu hamil/bersalin/nifas)"), required=False)
    neonatal = forms.BooleanField(label=_("Kasus neonatal (bayi baru lahir)"), required=False)
    attachments = forms.FileField(
        label=_("Lampiran (foto hasil lab/rontgen, JPEG/PNG/WebP, paling banyak 5)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    referring_doctor = forms.CharField(label=_("Dokter perujuk"), max_length=120)
    primary_care_acknowledged = forms.BooleanField(
        label=_("Saya tahu diagnosis ini biasanya ditangani di puskesmas; pasien tetap perlu dirujuk."),
        required=False,
    )

    def details(self) -> ReferralDetails:
        data = self.cleaned_data
        return ReferralDetails(
            patient_name=data["patient_name"],
            nik=data["nik"],
            birth_date=data["birth_date"],
            sex=data["sex"],
            relative_phone=data["relative_phone"],
            reason=data["reason"],
            diagnoses=[part for part in data["diagnoses"].replace(";", ",").split(",")],
            consciousness=data["consciousness"],
            bed_type=data["bed_type"],
            urgency=data["urgency"],
            referring_doctor=data["referring_doctor"],
            bpjs_number=data["bpjs_number"] or "",
            gcs=data["gcs"],
            systolic=data["systolic"],
            diastolic=data["diastolic"],
            pulse=data["pulse"],
            respiratory_rate=data["respiratory_rate"],
            temperature=data["temperature"],
            spo2=data["spo2"],
            service=data["service"] or "",
            maternal=data["maternal"],
            neonatal=data["neonatal"],
            primary_care_acknowledged=data["primary_care_acknowledged"],
        )


class RejectForm(forms.Form):
    reason = forms.ChoiceField(label=_("Alasan menolak"), choices=RejectReasonChoices.choices())
    note = forms.CharField(label=_("Keterangan"), max_length=300, required=False)


class TransportForm(forms.Form):
    transport = forms.ChoiceField(label=_("Transportasi"), choices=TransportChoices.choices(), widget=forms.RadioSelect)
