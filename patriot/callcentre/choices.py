"""Call types, call states and the emergency lines a call can be transferred to."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from patriot.core.choices import ChoiceSet


class CallTypeChoices(ChoiceSet):
    NEW_REPORT = "new_report"
    STATUS_QUESTION = "status_question"
    COMPLAINT = "complaint"
    EMERGENCY = "emergency"
    OTHER = "other"

    CHOICES = [
        (NEW_REPORT, _("Laporan baru"), "blue"),
        (STATUS_QUESTION, _("Menanyakan status laporan"), "teal"),
        (COMPLAINT, _("Keluhan atas penanganan"), "orange"),
        (EMERGENCY, _("Darurat (dialihkan)"), "red"),
        (OTHER, _("Lainnya"), "gray"),
    ]


class CallStateChoices(ChoiceSet):
    RINGING = "ringing"
    ACTIVE = "active"
    ENDED = "ended"

    CHOICES = [
        (RINGING, _("Berdering"), "orange"),
        (ACTIVE, _("Sedang berlangsung"), "green"),
        (ENDED, _("Selesai"), "gray"),
    ]


class EmergencyLineChoices(ChoiceSet):
    """Where an emergency call is transferred: the city does not handle emergencies on 1500444 itself."""

    PSC_119 = "119"
    GENERAL_112 = "112"

    CHOICES = [
        (PSC_119, _("119 — PSC (ambulans, gawat darurat medis)"), "red"),
        (GENERAL_112, _("112 — layanan darurat umum (polisi, pemadam kebakaran)"), "red"),
    ]
