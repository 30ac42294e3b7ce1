"""Live triage queue: after commit, push groups' refreshed rows to the org's alert queue group, with the org's
counts (the queue's tabs, the sidebar's Alerts badge, the "went unanswered" banner) swapped out of band in the
same message, so nothing on the page waits for a reload. Every fragment is viewer-independent: counts are
org-wide, and a queue filtered by service or severity fetches its own counts (static/js/firebreak-alerts.js).

A repeated trigger only moves its group's alert count and "last seen": those two cells are pushed, from the
groups already in memory (no query), and coalesced per process — at most one message per org every
COUNT_PUSH_SECONDS — so an alert storm costs the ingest path nothing and the browsers a few messages a second."""

import logging
import threading
import time
from typing import Any

from django.template.loader import render_to_string

from alerting.models import AlertGroup
from orgs.live import send_many as _send_many

logger = logging.getLogger(__name__)

COUNT_PUSH_SECONDS = 0.5


def org_alerts_group(organization_id: int) -> str:
    return f"org.{organization_id}.alerts"


def alert_group_broadcast(*, group_id: int) -> None:
    """Push one group's row (new or changed) to browsers on the triage queue (called after commit)."""
    alert_groups_broadcast(group_ids=[group_id])


def alert_groups_broadcast(*, group_ids: list[int]) -> None:
    """Push many groups' rows (a batch of escalations ended) with one query for the rows, one for each org's
    counts, and one trip to the channel layer. Each message carries the counts: a browser may drop a row that
    does not fit its filters, never the counts."""
    from alerting import selectors

    groups = list(selectors.alert_group_queryset().filter(pk__in=group_ids).order_by("pk"))
    organizations = {group.organization_id: group.organization for group in groups}
    counts = {pk: selectors.alert_queue_counts(organization=org) for pk, org in organizations.items()}
    _send_many(
        [
            (
                org_alerts_group(group.organization_id),
                {
                    "type": "alert.group",
                    "html": render_to_string(
                        "alerting/partials/_live_group_row.html",
                        {"group": group, "counts": counts[group.organization_id]},
                    ),
                    "group": str(group.uuid),
                },
            )
            for group in groups
        ]
    )


# --- repeated triggers: the count and "last seen" cells, coalesced ------------------------------------------------


def alert_counts_push(*, groups: list[AlertGroup]) -> None:
    """After commit: these groups counted more alerts and nothing else changed; their cells go out shortly."""
    count_pushes.add(
        {
            group.uuid: {
                "uuid": group.uuid,
                "alert_count": group.alert_count,
                "last_seen": group.last_seen,
                "first_seen": group.first_seen,
            }
            for group in groups
        },
        organization_ids={group.uuid: group.organization_id for group in groups},
    )


class CountPushes:
    """Cells waiting to be pushed, the newest values per group; one daemon thread sends them at most every
    COUNT_PUSH_SECONDS and stops when nothing is left. Rendering needs no database: the values are in memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # the thread's start and stop
        self._merge_lock = threading.Lock()  # the pending cells
        self._pending: dict[Any, dict[str, Any]] = {}
        self._orgs: dict[Any, int] = {}
        self._thread: threading.Thread | None = None

    def add(self, cells: dict[Any, dict[str, Any]], *, organization_ids: dict[Any, int]) -> None:
        if COUNT_PUSH_SECONDS <= 0:  # not coalesced (tests on the in-memory layer, whose queues need one loop)
            self._merge(cells, organization_ids)
            self.flush()
            return
        with self._lock:
            self._merge(cells, organization_ids)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="alert-count-pushes", daemon=True)
                self._thread.start()

    def _merge(self, cells: dict[Any, dict[str, Any]], organization_ids: dict[Any, int]) -> None:
        with self._merge_lock:
            for key, values in cells.items():
                current = self._pending.get(key)
                if current is None or values["alert_count"] >= current["alert_count"]:
                    self._pending[key] = values
            self._orgs.update(organization_ids)

    def flush(self) -> None:
        """Send what is waiting now (the thread does this on its own; tests call it)."""
        with self._merge_lock:
            pending, self._pending = self._pending, {}
            orgs, self._orgs = self._orgs, {}
        by_org: dict[int, list[dict[str, Any]]] = {}
        for key, values in pending.items():
            by_org.setdefault(orgs[key], []).append(values)
        _send_many(
            [
                (
                    org_alerts_group(organization_id),
                    {
                        "type": "alert.group",
                        "html": render_to_string("alerting/partials/_live_group_counts.html", {"cells": cells}),
                    },
                )
                for organization_id, cells in by_org.items()
            ]
        )

    def _run(self) -> None:
        while True:
            try:
                self.flush()
            except Exception:  # a push never fails a write; browsers catch up on the next one
                logger.exception("pushing alert counts failed")
            time.sleep(COUNT_PUSH_SECONDS)  # what arrives meanwhile goes out in one message
            with self._lock:
                if not self._pending:
                    self._thread = None
                    return


count_pushes = CountPushes()
