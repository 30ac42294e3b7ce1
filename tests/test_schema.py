"""The committed OpenAPI schema (docs/openapi.yaml) is the one the code generates, and is valid."""

from pathlib import Path

from django.core.management import call_command

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "openapi.yaml"


def test_committed_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(generated))

    assert generated.read_text() == SCHEMA.read_text(), (
        "docs/openapi.yaml is stale: run `python manage.py spectacular --file docs/openapi.yaml`"
    )
