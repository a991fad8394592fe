from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('forum', '0002_member_language_and_timezone')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('actor', fields.ForeignKeyField('forum.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('action', fields.CharField(max_length=40)),
                ('target_type', fields.CharField(max_length=16)),
                ('target_id', fields.IntField()),
                ('target_label', fields.CharField(default='', max_length=200)),
                ('target_url', fields.CharField(default='', max_length=300)),
                ('reason', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_entry', 'app': 'forum', 'indexes': [Index(fields=['created_at']), Index(fields=['actor_id', 'created_at']), Index(fields=['target_type', 'target_id'])], 'pk_attr': 'id', 'table_description': 'One staff action. Rows are only ever added: nothing updates or deletes them.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Flag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('post', fields.ForeignKeyField('forum.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='flags', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('forum.User', source_field='user_id', db_constraint=True, to_field='id', related_name='flags_made', on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharField(max_length=16)),
                ('note', fields.CharField(default='', max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolution', fields.CharField(default='', max_length=16)),
                ('resolved_by', fields.ForeignKeyField('forum.User', source_field='resolved_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'flag', 'app': 'forum', 'unique_together': (('post', 'user'),), 'indexes': [Index(fields=['resolved_at', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffNote',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('forum.User', source_field='user_id', db_constraint=True, to_field='id', related_name='staff_notes', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('forum.User', source_field='author_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('body', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'staff_note', 'app': 'forum', 'indexes': [Index(fields=['user_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A private, dated, signed note about a member, read only by staff.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Post',
            name='hidden_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Post',
            name='hidden_reason',
            field=fields.CharField(default='', max_length=500),
        ),
        ops.AddField(
            model_name='User',
            name='silence_reason',
            field=fields.CharField(default='', max_length=500),
        ),
        ops.AddField(
            model_name='User',
            name='silenced_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='User',
            name='suspended_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='User',
            name='suspension_reason',
            field=fields.CharField(default='', max_length=500),
        ),
    ]
