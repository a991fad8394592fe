"""What search reads: one document per shown post, and the anonymised log of queries."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


# One shown post as search matches it: the folded stems of its words, and of its thread's
# title for an opening post. The migration builds the full-text index over these columns
# (FTS5 on SQLite, GIN on PostgreSQL). Hidden, held and deleted posts have no row.
class SearchDoc(Model):
    # The post's id, always given (declared like any id: a non-generated key makes the
    # migration state drift).
    id = fields.IntField(primary_key=True)
    thread_id = fields.IntField(db_index=True)
    title = fields.TextField(default="")
    body = fields.TextField(default="")

    class Meta:
        table = "search_doc"


# A search someone ran, with no member or address: the dashboard lists the most asked
# questions and those nothing answered.
class SearchLog(Model):
    id = fields.BigIntField(primary_key=True)
    query = fields.CharField(max_length=200)
    results = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "search_log"
        indexes = (("created_at", "query"),)
