from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('forum', '0007_edit_reasons')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['created_at']),
        ),
        ops.AddField(
            model_name='Thread',
            name='first_reply_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Thread',
            name='first_staff_reply_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='Thread',
            index=Index(fields=['created_at']),
        ),
        ops.AddIndex(
            model_name='Thread',
            index=Index(fields=['category_id', 'created_at']),
        ),
        ops.AlterField(
            model_name='User',
            name='created_at',
            field=fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True),
        ),
    ]
