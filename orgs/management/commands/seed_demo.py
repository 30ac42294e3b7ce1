from django.core.management.base import BaseCommand

from core.demo import demo_seed
from orgs import demo


class Command(BaseCommand):
    help = "Load the demo organization 'demo' with realistic data. Idempotent."

    def handle(self, *args, **options):
        organization = demo.seed_demo()
        demo_seed(organization=organization)  # every app's demo module, in its DEMO_ORDER (core.demo)
        self.stdout.write(
            f"Demo organization '{organization.slug}' ready. Sign in as {demo.DEMO_EMAIL} / {demo.DEMO_PASSWORD}"
        )
