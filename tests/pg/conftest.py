"""PostgreSQL-only tests: skipped unless TEST_DATABASE_URL points at PostgreSQL."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_DATABASE_URL
from tests.reminders.fakepush import FakePushService
from tracker.reminders.keys import generate_pem

ON_POSTGRES = (TEST_DATABASE_URL or "").startswith(("postgres://", "postgresql"))
# The one allowed skip: these tests need a PostgreSQL server.
needs_postgres = [
    pytest.mark.pg,
    pytest.mark.skipif(not ON_POSTGRES, reason="needs TEST_DATABASE_URL=postgresql://..."),
]


@pytest.fixture
def fakepush():
    service = FakePushService()
    yield service
    service.close()


@pytest.fixture
def app_config(fakepush) -> dict:
    return {
        "PUSH_ENDPOINT_ALLOWLIST": [fakepush.origin],
        "PUSH_TIMEOUT_SECONDS": 5,
        "PUSH_WORKERS": 4,
        "VAPID_PRIVATE_KEY": generate_pem().decode(),
        "VAPID_SUBJECT": "mailto:ops@backrelief.example",
    }
