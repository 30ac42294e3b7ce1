"""The ticketing tests share the retros scene (org, members of every role, declare/resolve helpers)."""

from tests.retros.conftest import scene  # noqa: F401 - re-exported fixture
