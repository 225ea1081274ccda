"""API shapes of Si Tik Tik: an inspection as a jumantik's phone sends it, and the answer.

What the phone sends is validated by plain pydantic models: ninja's `Schema` wraps every input in an attribute
getter for reading ORM objects, which a JSON body does not need (~40 µs of each inspection's 2 ms of CPU); the
fields, their limits and their error messages are the same."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import BaseModel

BuildingKind = Literal["house", "ttu", "tti"]
ContainerType = Literal[
    "bath_tub",
    "drum",
    "jar",
    "bucket",
    "flower_vase",
    "dispenser_tray",
    "refrigerator_tray",
    "bird_drinker",
    "discarded_items",
    "tyres",
    "tree_hole",
    "bamboo_stump",
]
ContainerPlace = Literal["indoor", "outdoor"]
PsnAction = Literal["drain", "cover", "recycle", "larvicide", "fish"]


class ContainerIn(BaseModel):
    type: ContainerType
    place: ContainerPlace
    inspected: int = Field(ge=0, le=999)
    positive: int = Field(ge=0, le=999)


class InspectionIn(BaseModel):
    """One building. `inspected_at` is the phone's time of the inspection (with its offset), kept when the phone
    sends it later; send the same `Idempotency-Key` header on every retry."""

    building_kind: BuildingKind
    address: str = Field(max_length=300)
    rw: int = Field(ge=1, le=999)
    rt: int = Field(ge=1, le=999)
    latitude: float
    longitude: float
    inspected_at: datetime
    containers: list[ContainerIn] = Field(default_factory=list, max_length=24)
    actions: list[PsnAction] = Field(default_factory=list, max_length=5)
    residents: int | None = Field(default=None, ge=0, le=500)
    fever_past_week: bool = False


class InspectionOut(Schema):
    id: int
    created: bool
    building_kind: str
    village: str
    rw: int
    rt: int
    is_positive: bool
    containers_inspected: int
    containers_positive: int
    inspected_at: datetime
    received_at: datetime
