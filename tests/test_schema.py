"""The committed OpenAPI schema (docs/openapi.yaml) is the one the code generates, and is valid."""

from pathlib import Path

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "openapi.yaml"


def test_committed_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(generated))

    assert generated.read_text() == SCHEMA.read_text(), (
        "docs/openapi.yaml is stale: run `python manage.py spectacular --file docs/openapi.yaml`"
    )


# --- the error responses orgs/api/schema.py derives from each view ---------------------------------------

ERROR_REFS = {
    "400": "BadRequest",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "NotFound",
    "413": "ContentTooLarge",
    "415": "UnsupportedMediaType",
    "429": "TooManyRequests",
}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def statuses(schema: dict, path: str, method: str) -> list[str]:
    return list(schema["paths"][f"/api/v1/{path}"][method]["responses"])


@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [
        # A list any token reads: 404 for a page past the end, no 403.
        ("teams/", "get", ["200", "400", "401", "404", "429"]),
        # A write with a JSON body, admin only.
        ("teams/", "post", ["201", "400", "401", "403", "413", "415", "429"]),
        ("teams/{slug}/", "get", ["200", "400", "401", "404", "429"]),
        ("teams/{slug}/", "delete", ["204", "400", "401", "403", "404", "429"]),
        # Reads only admin tokens may make.
        ("audit-events/", "get", ["200", "400", "401", "403", "404", "429"]),
        # Revoking answers the revoked token.
        ("api-tokens/{id}/", "delete", ["200", "400", "401", "403", "404", "429"]),
        # Responder tokens work incidents; viewers get 403 on writes only.
        ("incidents/{number}/transition/", "post", ["200", "400", "401", "403", "404", "413", "415", "429"]),
        ("incidents/{number}/timeline/", "get", ["200", "400", "401", "404", "429"]),
        # Not paginated and no path parameter: nothing to be 404.
        ("analytics/summary/", "get", ["200", "400", "401", "429"]),
        ("services/export/", "get", ["200", "400", "401", "404", "429"]),
    ],
)
def test_routes_document_the_errors_they_answer(schema, path, method, expected):
    assert statuses(schema, path, method) == expected


def test_every_error_response_carries_the_one_error_body(schema):
    operations = [op for item in schema["paths"].values() for op in item.values()]
    errors = [(code, response) for op in operations for code, response in op["responses"].items() if code >= "400"]
    reused = [(code, response["$ref"]) for code, response in errors if "$ref" in response]
    declared = [response for code, response in errors if "$ref" not in response]  # a route's own description

    assert {code for code, _ in errors} == set(ERROR_REFS)
    assert {(code, ref) for code, ref in reused} == {
        (code, f"#/components/responses/{ERROR_REFS[code]}") for code, _ in reused
    }
    assert [body["content"] for body in [*schema["components"]["responses"].values(), *declared]] == [
        {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    ] * (len(schema["components"]["responses"]) + len(declared))
    assert all({"400", "401", "429"} <= set(op["responses"]) for op in operations)
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert (detail["required"], sorted(detail["properties"])) == (["code", "fields", "message", "status"],) * 2


def test_every_operation_documents_its_rate_limit_with_retry_after(schema):
    operations = [op for item in schema["paths"].values() for op in item.values()]

    assert {op["responses"]["429"]["$ref"] for op in operations} == {"#/components/responses/TooManyRequests"}
    assert schema["components"]["responses"]["TooManyRequests"]["headers"] == {
        "Retry-After": {
            "description": "Seconds to wait before the next request counts against a fresh budget.",
            "schema": {"type": "integer", "minimum": 1},
        }
    }
