from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('forum', '0011_notifications_and_mail')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Badge',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('slug', fields.CharField(unique=True, max_length=60)),
                ('name', fields.CharField(max_length=60)),
                ('description', fields.CharField(default='', max_length=300)),
                ('level', fields.CharField(default='bronze', max_length=8)),
                ('rule', fields.CharField(default='', max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'badge', 'app': 'forum', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BadgeAward',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('badge', fields.ForeignKeyField('forum.Badge', source_field='badge_id', db_constraint=True, to_field='id', related_name='awards', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('forum.User', source_field='user_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(unique=True, max_length=120)),
                ('reason', fields.CharField(default='', max_length=300)),
                ('granted_by', fields.ForeignKeyField('forum.User', source_field='granted_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('awarded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'badge_award', 'app': 'forum', 'indexes': [Index(fields=['user_id', 'awarded_at']), Index(fields=['badge_id', 'awarded_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PointEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('forum.User', source_field='user_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('points', fields.IntField()),
                ('reason', fields.CharField(max_length=24)),
                ('key', fields.CharField(unique=True, max_length=120)),
                ('thread_id', fields.IntField(null=True)),
                ('post_id', fields.IntField(null=True, db_index=True)),
                ('category_id', fields.IntField(null=True)),
                ('note', fields.CharField(default='', max_length=300)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'point_entry', 'app': 'forum', 'indexes': [Index(fields=['user_id', 'created_at']), Index(fields=['created_at']), Index(fields=['category_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Standing',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('forum.User', source_field='user_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('points', fields.IntField(default=0)),
                ('accepted_answers', fields.IntField(default=0)),
                ('tier', fields.CharField(default='', max_length=40)),
                ('tier_since', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('below_since', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('featured_badge_id', fields.IntField(null=True)),
                ('hidden_from_board', fields.BooleanField(default=False)),
            ],
            options={'table': 'standing', 'app': 'forum', 'indexes': [Index(fields=['points'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
