from django.core.management.base import BaseCommand

from alerting import demo as alerting_demo
from incidents import demo as incidents_demo
from notifications import demo as notifications_demo
from oncall import demo as oncall_demo
from orgs import demo
from retros import demo as retros_demo
from services import demo as services_demo
from ticketing import demo as ticketing_demo


class Command(BaseCommand):
    help = "Load the demo organization 'demo' with realistic data. Idempotent."

    def handle(self, *args, **options):
        organization = demo.seed_demo()
        services_demo.seed_demo(organization=organization)
        incidents_demo.seed_demo(organization=organization)
        # People's contact methods and the services' policies first, so the demo alerts page someone.
        notifications_demo.seed_demo(organization=organization)
        oncall_demo.seed_demo(organization=organization)
        alerting_demo.seed_demo(organization=organization)
        ticketing_demo.seed_demo(organization=organization)
        retros_demo.seed_demo(organization=organization)
        self.stdout.write(
            f"Demo organization '{organization.slug}' ready. Sign in as {demo.DEMO_EMAIL} / {demo.DEMO_PASSWORD}"
        )
