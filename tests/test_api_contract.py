"""The committed OpenAPI schema (docs/openapi.yaml) is an exact contract: schemathesis runs every operation
against the app in process, with org A's rows (one of every object the API exposes) and an admin token, and
finds no server error, no undocumented status and no response that breaks the schema.

The same settings as the full fuzzer run (schemathesis.toml, docs/api.md "Fuzzing the API"): every phase,
the stateful one included, with a few examples per operation and a fixed seed so that a run is repeatable.
"""

import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import connections
from hypothesis import configuration as hypothesis_configuration
from schemathesis import auths
from schemathesis.engine import Status, events, from_schema
from schemathesis.engine.recorder import CheckNode, ScenarioRecorder

from orgs.models import ApiToken
from tests.factories import api_token_for
from tests.orgs.test_tenancy import OrgA, org_a  # noqa: F401  (fixture)
from tests.schemathesis_hooks import yaml_as_text  # noqa: F401  (registers the YAML deserializer)

# The engine calls the app from its own thread: the rows must be committed to be seen there.
pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[1]
APPLICATION = get_wsgi_application()
SEED = 20261206
MAX_EXAMPLES = 1


@pytest.fixture
def hypothesis_home(tmp_path: Path) -> Iterator[Path]:
    """Hypothesis keeps a cache of constants under .hypothesis/ in the working directory: not in the repository."""
    hypothesis_configuration.set_hypothesis_home_dir(tmp_path)
    yield tmp_path
    hypothesis_configuration.set_hypothesis_home_dir(None)


@pytest.fixture
def without_cli_auth() -> Iterator[None]:
    """The hooks module also registers the CLI's token minting (manage.py, demo org): not for this run."""
    providers = list(auths.GLOBAL_AUTH_STORAGE.providers)
    auths.unregister()
    yield
    auths.GLOBAL_AUTH_STORAGE.providers = providers


def app_closing_connections(environ: dict, start_response: Callable) -> Iterable[bytes]:
    """The app, closing each request's database connection: the engine's threads would leave theirs open
    past the test, and PostgreSQL refuses to drop a test database still in use."""
    try:
        return list(APPLICATION(environ, start_response))
    finally:
        connections.close_all()


def contract_config() -> schemathesis.Config:
    settings = tomllib.loads((ROOT / "schemathesis.toml").read_text())
    settings.pop("hooks")  # the CLI's token minting; this test mints its own below
    settings.update(seed=SEED, generation={**settings["generation"], "max-examples": MAX_EXAMPLES})
    # Within the suite's time budget: the examples (2 operations have some) and coverage phases (thousands of
    # boundary values) are left to the full fuzzer run.
    settings["phases"]["examples"]["enabled"] = False
    settings["phases"]["coverage"]["enabled"] = False
    return schemathesis.Config.from_dict(settings)


@dataclass
class Run:
    failures: list[str] = field(default_factory=list)  # one line per failed check or engine error
    checks: set[str] = field(default_factory=set)  # the checks that ran
    tested: dict[str, set[str]] = field(default_factory=dict)  # phase -> operations tested ("GET /api/v1/teams/")


def run_report(stream: events.EventGenerator) -> Run:
    run = Run()
    for event in stream:
        if isinstance(event, events.NonFatalError):
            run.failures.append(f"error in {event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            run.failures.append(f"fatal error: {event.exception!r}")
        elif isinstance(event, events.ScenarioFinished) and event.status != Status.SKIP:
            run.tested.setdefault(event.phase.value, set()).add(event.recorder.label)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    run.checks.add(check.name)
                    if check.status == Status.FAILURE:
                        run.failures.append(failure_line(event.recorder, case_id, check))
    return run


def failure_line(recorder: ScenarioRecorder, case_id: str, check: CheckNode) -> str:
    interaction = recorder.interactions.get(case_id)
    request = f"{interaction.request.method} {interaction.request.uri}" if interaction else recorder.label
    status = interaction.response.status_code if interaction and interaction.response else "no response"
    failure = check.failure_info.failure
    return f"{failure.title} [{check.name}] {request} -> {status}: {failure.message[:500]}"


def test_every_operation_keeps_to_the_committed_schema(
    org_a: OrgA,  # noqa: F811
    hypothesis_home: Path,
    without_cli_auth: None,
):
    # Given the committed schema, the app in process and an admin token of org A
    schema = schemathesis.openapi.from_path(ROOT / "docs" / "openapi.yaml", config=contract_config())
    schema.app = app_closing_connections
    organization = org_a.organization

    @schema.auth()
    class AdminToken:
        """An admin token, minted again when the stateful phase has revoked it (DELETE /api-tokens/{id}/)."""

        def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> str:
            try:
                return api_token_for(organization, "admin", name="contract")[1]
            finally:
                connections.close_all()  # as in app_closing_connections

        def set(self, case: schemathesis.Case, data: str, context: schemathesis.AuthContext) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    cache_existed = (ROOT / ".schemathesis").exists()

    # When schemathesis fuzzes every operation, then runs the stateful phase
    run = run_report(from_schema(schema).execute())

    # Then no check failed, every check and every operation ran, and the run left nothing in the repository
    assert run.failures == []
    assert run.checks == {"not_a_server_error", "status_code_conformance", "response_schema_conformance"}
    operations = {f"{method.upper()} {path}" for path, item in schema.raw_schema["paths"].items() for method in item}
    assert run.tested["fuzzing"] == operations
    assert run.tested["stateful"] != set()
    assert ApiToken.objects.filter(organization=organization, name="contract").exists()
    assert (ROOT / ".schemathesis").exists() is cache_existed
