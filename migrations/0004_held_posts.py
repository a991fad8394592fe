from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('forum', '0003_moderation')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Post',
            name='held',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='Thread',
            name='held',
            field=fields.BooleanField(default=False),
        ),
    ]
