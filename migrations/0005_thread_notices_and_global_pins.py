from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('forum', '0004_held_posts')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Thread',
            name='notice_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Thread',
            name='notice_kind',
            field=fields.CharField(default='', max_length=16),
        ),
        ops.AddField(
            model_name='Thread',
            name='notice_text',
            field=fields.CharField(default='', max_length=300),
        ),
        ops.AddField(
            model_name='Thread',
            name='pinned_globally',
            field=fields.BooleanField(default=False),
        ),
    ]
