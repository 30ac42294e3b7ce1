from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from orgs import actions
from orgs.models import ApiTokenRole, Organization
from orgs.tenancy import Actor


class Command(BaseCommand):
    help = (
        "Create an API token for an organization. The token is printed alone on standard output (its last line), "
        "so `T=$(manage.py create_api_token ...)` captures it; any error exits non-zero with a one-line message."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--role", choices=ApiTokenRole.values, default=ApiTokenRole.RESPONDER)

    def handle(self, *args, slug, name, role, **options):
        try:
            organization = Organization.objects.filter(slug=slug.lower()).first()
            if organization is None:
                raise CommandError(f"No organization with slug {slug!r}")
            token, raw = actions.api_token_create(organization=organization, name=name, role=role, actor=Actor.system())
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except DatabaseError as exc:
            first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CommandError(f"The database is not ready ({first_line}): run `make migrate` first") from exc
        if not raw:
            raise CommandError("No token was created")
        self.stderr.write(f"Created {role} token {token.name!r} for {organization.slug}. It is shown once:")
        self.stdout.write(raw)
