"""Indexes of one column that lead a composite index drop (cases_case: category, village, district, agency, team,
created_at; cases_timelineentry: case): the composite serves every lookup by the column, and each report written
updates seven indexes fewer.

Only the indexes are dropped, found by the database's own description of the table: Django's SQLite AlterField
would rebuild cases_case, and with it lose the triggers and the FTS index that migration 0020 made there."""

import django.db.models.deletion
from django.db import migrations, models

# (model, field): the single-column index to drop, the composite that leads with its column.
LED = [
    ("case", "category"),
    ("case", "village"),
    ("case", "district"),
    ("case", "agency"),
    ("case", "team"),
    ("case", "created_at"),
    ("timelineentry", "case"),
]


def _single_column_indexes(schema_editor, model, column):
    """Names of the plain (non-unique) indexes on `column` alone that Meta.indexes does not name."""
    named = {index.name for index in model._meta.indexes}
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [
        name
        for name, info in constraints.items()
        if info["index"]
        and not info["unique"]
        and not info["primary_key"]
        and info["columns"] == [column]
        and name not in named
    ]


def drop_single_column_indexes(apps, schema_editor):
    for model_name, field_name in LED:
        model = apps.get_model("cases", model_name)
        column = model._meta.get_field(field_name).column
        for name in _single_column_indexes(schema_editor, model, column):
            schema_editor.execute(schema_editor._delete_index_sql(model, name))


def create_single_column_indexes(apps, schema_editor):
    for model_name, field_name in LED:
        model = apps.get_model("cases", model_name)
        field = model._meta.get_field(field_name)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_jumantik_coordinator_role"),
        ("cases", "0021_search_text_one_trigram_index"),
        ("geo", "0003_city_places"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_single_column_indexes, create_single_column_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="agency",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="accounts.agency",
                        verbose_name="OPD",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="category",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="cases.category",
                        verbose_name="kategori",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="created_at",
                    field=models.DateTimeField(verbose_name="dibuat"),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="district",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="geo.district",
                        verbose_name="kecamatan",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="team",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="accounts.responseteam",
                        verbose_name="tim URC",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="village",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="geo.village",
                        verbose_name="kelurahan",
                    ),
                ),
                migrations.AlterField(
                    model_name="timelineentry",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="timeline",
                        to="cases.case",
                        verbose_name="laporan",
                    ),
                ),
            ],
        ),
    ]
