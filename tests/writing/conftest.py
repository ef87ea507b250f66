from tests.api.conftest import client_as  # noqa: F401 — API clients with real tokens
