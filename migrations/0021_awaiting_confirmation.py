from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('forum', '0020_outbox_claim')]

    initial = False

    operations = [
        ops.AddField(
            model_name='User',
            name='awaiting_confirmation',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
