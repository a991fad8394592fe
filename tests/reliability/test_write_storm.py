"""64 members posting replies at once for a minute, on the embedded SQLite default."""

from __future__ import annotations

import pytest

from tests.reliability.storm import storm

pytestmark = pytest.mark.reliability

SECONDS = 60
CONCURRENCY = 64


async def test_a_minute_of_64_members_posting_loses_nothing_and_fails_no_one(forum):
    forum.start()
    seen = await storm(forum.url, forum.posters(), SECONDS, tag="minute", concurrency=CONCURRENCY)
    forum.stop()
    print(f"storm: {seen.summary()}")

    assert not seen.server_errors, seen.server_errors[:3]
    assert not seen.locked, seen.locked[:3]  # "database is locked" never reaches anyone
    # Every member stayed within the posting limit, so every reply is acknowledged.
    assert seen.statuses == {303: seen.sent}, seen.summary()
    assert not seen.unanswered, seen.summary()
    assert len(seen.acknowledged) > 20 * SECONDS, seen.summary()  # a storm, not a drizzle

    stored = {body for (body,) in forum.query("SELECT body FROM post WHERE body LIKE 'Storm %'")}
    missing = set(seen.acknowledged) - stored
    assert not missing, f"{len(missing)} acknowledged replies are not in the database"
    assert forum.query("PRAGMA integrity_check") == [("ok",)]
