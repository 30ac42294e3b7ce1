"""Reads of the workflows app: an org's workflows and their runs."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from orgs.models import Organization
from workflows.models import Workflow, WorkflowRun


def workflow_list(organization: Organization, search: str = "") -> QuerySet[Workflow]:
    workflows = Workflow.objects.for_org(organization)
    search = (search or "").strip()[:100]
    if search:
        workflows = workflows.filter(Q(name__icontains=search) | Q(description__icontains=search))
    return workflows.order_by("name")


def workflow_get(organization: Organization, uuid: Any) -> Workflow:
    """The org's workflow by uuid (Workflow.DoesNotExist otherwise, also for a malformed uuid)."""
    try:
        return Workflow.objects.for_org(organization).get(uuid=uuid)
    except (ValueError, TypeError):
        raise Workflow.DoesNotExist from None
    except Exception as error:
        if type(error).__name__ == "ValidationError":
            raise Workflow.DoesNotExist from None
        raise


def run_list(
    organization: Organization, workflow: Workflow | None = None, incident: Any = None, status: str | None = None
) -> QuerySet[WorkflowRun]:
    runs = WorkflowRun.objects.for_org(organization).select_related("incident", "workflow")
    if workflow is not None:
        runs = runs.filter(workflow=workflow)
    if incident is not None:
        runs = runs.filter(incident=incident)
    if status:
        runs = runs.filter(status=status)
    return runs.order_by("-started_at", "-id")


def run_get(organization: Organization, uuid: Any) -> WorkflowRun:
    """The org's run by uuid, with its steps prefetched (WorkflowRun.DoesNotExist otherwise)."""
    try:
        return (
            WorkflowRun.objects.for_org(organization)
            .select_related("incident", "workflow")
            .prefetch_related("steps")
            .get(uuid=uuid)
        )
    except (ValueError, TypeError):
        raise WorkflowRun.DoesNotExist from None
    except Exception as error:
        if type(error).__name__ == "ValidationError":
            raise WorkflowRun.DoesNotExist from None
        raise


def runs_for_incident(incident: Any) -> QuerySet[WorkflowRun]:
    return (
        WorkflowRun.objects.filter(organization_id=incident.organization_id, incident=incident)
        .prefetch_related("steps")
        .order_by("-started_at", "-id")
    )


def last_runs(organization: Organization) -> dict[int, WorkflowRun]:
    """Each workflow's most recent run, by workflow id (for the list's "last run" column), in one query."""
    runs = (
        WorkflowRun.objects.for_org(organization)
        .filter(workflow__isnull=False)
        .order_by("workflow_id", "-started_at", "-id")
    )
    latest: dict[int, WorkflowRun] = {}
    ids = WorkflowRun.objects.for_org(organization).filter(workflow__isnull=False).values("workflow_id").order_by()
    from django.db.models import Max

    newest = dict(ids.annotate(newest=Max("id")).values_list("workflow_id", "newest"))
    for run in runs.filter(id__in=newest.values()):
        latest[run.workflow_id] = run
    return latest
