from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('forum', '0014_search_tags_polls_ideas')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Thread',
            name='has_poll',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        # Threads that already carry a poll (TRUE reads the same on SQLite and PostgreSQL).
        ops.RunSQL("UPDATE thread SET has_poll = TRUE WHERE id IN (SELECT thread_id FROM poll)"),
    ]
