"""People lookups ignore marks and case: `User.search_name` (the full name and username
folded), filled in here for the people already there."""

from __future__ import annotations

from django.db import migrations, models

import ecabinet.models


def backfill_search_names(apps, schema_editor) -> None:
    """Every existing person's `search_name`, folded as `User.save()` does, in batches
    (bulk_update, a few hundred rows a query, however large the directory)."""
    User = apps.get_model("ecabinet", "User")
    ecabinet.models.refresh_search_names(User._base_manager.using(schema_editor.connection.alias).all())


class Migration(migrations.Migration):

    dependencies = [
        ("ecabinet", "0012_outgoing_mail"),
    ]

    operations = [
        migrations.AlterModelManagers(
            name="user",
            managers=[
                ("objects", ecabinet.models.UserManager()),
            ],
        ),
        migrations.AddField(
            model_name="user",
            name="search_name",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="name for search"),
        ),
        migrations.RunPython(backfill_search_names, migrations.RunPython.noop, elidable=True),
    ]
