"""Reports filed on a call are described as such: repairs rows written before the call-type fix.

A report filed during a call that had first been logged as a status question got a CALL_LOGGED timeline entry
saying `call_type: status_question`, and the open call kept that type. The cases a call filed are known exactly
from their idempotency keys (scope "callcentre", key "call-<call id>:<form token>"): their CALL_LOGGED entry for
that call now says `new_report`, and such a call that has not ended yet becomes a new-report call (an ended call
keeps the type its operator chose). Only `data["call_type"]` of those entries changes. Reversing changes nothing.
"""

from django.db import migrations

SCOPE = "callcentre"


def describe_filed_reports(apps, schema_editor):
    IdempotencyKey = apps.get_model("cases", "IdempotencyKey")
    TimelineEntry = apps.get_model("cases", "TimelineEntry")
    Call = apps.get_model("callcentre", "Call")
    keys = IdempotencyKey.objects.filter(scope=SCOPE, key__startswith="call-").values_list("key", "case_id")
    for key, case_id in keys.iterator():
        call_id = key.removeprefix("call-").partition(":")[0]
        if not call_id.isdigit():
            continue
        call_id = int(call_id)
        for entry in TimelineEntry.objects.filter(case_id=case_id, kind="call_logged"):
            if entry.data.get("call_id") == call_id and entry.data.get("call_type") != "new_report":
                entry.data = {**entry.data, "call_type": "new_report"}
                entry.save(update_fields=["data"])
        Call.objects.filter(pk=call_id, transferred_to="").exclude(state="ended").exclude(call_type="new_report").update(
            call_type="new_report"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("callcentre", "0002_number_withheld"),
    ]

    operations = [
        migrations.RunPython(describe_filed_reports, migrations.RunPython.noop, elidable=True),
    ]
