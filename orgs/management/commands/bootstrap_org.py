from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from orgs import actions


class Command(BaseCommand):
    help = "Create (or update) an organization and its owner. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", required=True)

    def handle(self, *args, slug, name, owner_email, owner_password, **options):
        try:
            organization = actions.organization_bootstrap(
                slug=slug, name=name, owner_email=owner_email, owner_password=owner_password
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"Organization {organization.slug} ({organization.name}) is owned by {owner_email.lower()}")
