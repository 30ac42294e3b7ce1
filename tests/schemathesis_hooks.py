"""Schemathesis hooks for fuzzing a running server (docs/api.md, "Fuzzing the API"):
`SCHEMATHESIS_HOOKS=tests.schemathesis_hooks schemathesis run ...`.

The fuzzer authenticates with an admin token of the demo organization that it mints itself with
`manage.py create_api_token` (so run it with the server's environment: the same database). The stateful
phase lists the tokens and revokes them, the fuzzer's own included: on a 401 schemathesis asks for a new
token, and a new one is minted, so the rest of the run still reaches every route.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import schemathesis
from schemathesis.core.media_types import YAML_MEDIA_TYPES

ROOT = Path(__file__).resolve().parents[1]
ORGANIZATION = os.environ.get("FUZZ_ORG", "demo")


@schemathesis.deserializer(*YAML_MEDIA_TYPES)
def yaml_as_text(context: schemathesis.DeserializationContext, response: schemathesis.Response) -> str:
    return response.content.decode(response.encoding or "utf-8")


@schemathesis.auth(refresh_interval=24 * 3600)
class DemoAdminToken:
    def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> str:
        command = [sys.executable, "manage.py", "create_api_token", ORGANIZATION, "--role", "admin"]
        command += ["--name", f"fuzz-{time.time_ns()}"]
        output = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
        return output.strip().splitlines()[-1]

    def set(self, case: schemathesis.Case, data: str, context: schemathesis.AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
