"""Per-org incident numbers under real concurrency: many declarations at the same instant, one number each."""

import threading

import pytest
from django.db import connection

from incidents import actions
from incidents.models import Incident, Severity
from orgs.models import Membership, MembershipRole, Organization
from orgs.tenancy import Actor

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.requires_postgres("SQLite serialises every writer, so it cannot show a numbering race"),
]


def declare_at_once(jobs: list[tuple[Organization, Membership, Severity]]) -> tuple[list[tuple[str, int]], list[str]]:
    """Run one incident_declare per job, each in its own thread and connection, released together."""
    barrier = threading.Barrier(len(jobs))
    numbers: list[tuple[str, int]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def declare(index: int, organization: Organization, member: Membership, severity: Severity) -> None:
        try:
            barrier.wait(timeout=30)
            incident = actions.incident_declare(
                organization=organization, actor=Actor(user=member.user), title=f"Race {index}", severity=severity
            )
            with lock:
                numbers.append((organization.slug, incident.number))
        except Exception as exc:  # collected and asserted on: any error fails the test with its message
            with lock:
                errors.append(f"{index}: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=declare, args=(index, *job)) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [thread.name for thread in threads if thread.is_alive()] == []
    return numbers, errors


def ready(organization: Organization, member: Membership) -> tuple[Organization, Membership, Severity]:
    actions.organization_defaults_ensure(organization=organization)
    return organization, member, Severity.objects.for_org(organization).get(name="SEV2")


def test_twenty_simultaneous_declarations_get_numbers_one_to_twenty(org, owner):
    job = ready(org, owner)

    numbers, errors = declare_at_once([job] * 20)

    assert errors == []
    assert sorted(number for _, number in numbers) == list(range(1, 21))
    assert sorted(Incident.objects.for_org(org).values_list("number", flat=True)) == list(range(1, 21))


def test_two_orgs_declaring_at_once_number_independently(org, other_org, owner, make_member):
    acme = ready(org, owner)
    globex = ready(other_org, make_member(other_org, MembershipRole.RESPONDER, email="gina@globex.test"))

    numbers, errors = declare_at_once([acme, globex] * 10)

    assert errors == []
    assert sorted(number for slug, number in numbers if slug == "acme") == list(range(1, 11))
    assert sorted(number for slug, number in numbers if slug == "globex") == list(range(1, 11))
    assert sorted(Incident.objects.for_org(org).values_list("number", flat=True)) == list(range(1, 11))
    assert sorted(Incident.objects.for_org(other_org).values_list("number", flat=True)) == list(range(1, 11))
