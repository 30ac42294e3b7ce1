from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from orgs import actions
from orgs.models import ApiTokenRole, Organization
from orgs.tenancy import Actor


class Command(BaseCommand):
    help = "Create an API token for an organization. The token is printed alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--role", choices=ApiTokenRole.values, default=ApiTokenRole.RESPONDER)

    def handle(self, *args, slug, name, role, **options):
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization with slug {slug!r}")
        try:
            token, raw = actions.api_token_create(organization=organization, name=name, role=role, actor=Actor.system())
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stderr.write(f"Created {role} token {token.name!r} for {organization.slug}. It is shown once:")
        self.stdout.write(raw)
