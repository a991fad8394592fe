"""An ideas category for the ideas tests."""

import pytest

from forum.threads.models import Category
from tests.conftest import make_category


@pytest.fixture
async def ideas(database) -> Category:
    return await make_category(name="Ideas", slug="ideas", kind="ideas")
