"""Referrals' API shapes. The bed report follows the national bed-reporting format (SIRS / RS Online
"tempat tidur"): bed type code, room, total, used, queue; `prepare` is the beds being prepared (reserved)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class BedReportIn(Schema):
    facility: str = Field(description="The hospital's unit code (accounts.OrganisationUnit.code)")
    id_tt: str = Field(description="Bed type code: icu, iccu, nicu, picu, hcu, isolation, emergency, …")
    ruang: str = Field("", max_length=100, description="Room or ward name")
    jumlah: int = Field(ge=0, le=10000, description="Total beds")
    terpakai: int = Field(ge=0, le=10000, description="Beds in use")
    prepare: int = Field(0, ge=0, le=10000, description="Beds being prepared (reserved)")
    antrian: int = Field(0, ge=0, le=10000, description="Patients waiting for a bed")


class BedReportOut(Schema):
    facility: str
    id_tt: str
    ruang: str
    jumlah: int
    terpakai: int
    prepare: int
    antrian: int
    kosong: int
    updated_at: datetime
