# The staff search at city scale, the rest (issue 16 item 3), PostgreSQL only: the filters whose capped count still
# read most of the table (the hour of the day, part of a phone number) and the two orders no index served (least
# time left; emergencies and high priority first). Each expression is the one Django writes for the query, so the
# planner can match it: keep them in step with CaseFilter.filter_hour, filter_phone and queries.SORTS/priority_rank.

from django.conf import settings
from django.db import migrations


def _indexes() -> dict[str, str]:
    zone = settings.TIME_ZONE.replace("'", "''")
    return {
        # ExtractHour("created_at", tzinfo=<TIME_ZONE>) = h, newest first.
        "case_created_hour": f"((EXTRACT(HOUR FROM \"created_at\" AT TIME ZONE '{zone}')), \"created_at\")",
        # reporter_phone LIKE '%digits%' (pg_trgm, created by cases/0015).
        "case_reporter_phone_trgm": 'USING gin ("reporter_phone" gin_trgm_ops)',
        # sort=due: due_at ASC NULLS LAST (a B-tree's ascending default), created_at, id.
        "case_due_order": '("due_at", "created_at", "id")',
        # sort=priority: priority_rank(), then as sort=due.
        "case_priority_order": (
            "((CASE WHEN \"priority\" = 'urgent' THEN 0 WHEN \"priority\" = 'high' THEN 1 ELSE 2 END),"
            ' "due_at", "created_at", "id")'
        ),
    }


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in _indexes().items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "cases_case" {definition}')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _indexes():
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0016_search_filter_indexes"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
