"""What subscriber mail reacts to (registered from StatuspageConfig.ready() via statuspage.subscribing.register()).

After commit, each handler enqueues a fan-out task: the request that posted the update does not wait for a query
over every subscriber. The fan-out is idempotent (one notice per update or maintenance move and subscriber): an event
handled twice mails once.
"""

from core import events
from statuspage.events import MaintenanceChanged, MaintenanceStatusChanged, PublicUpdatePosted
from statuspage.subscribing import tasks


def on_public_update(event: PublicUpdatePosted) -> None:
    tasks.public_update_notify.delay(event.public_update_id)


def on_maintenance_scheduled(event: MaintenanceChanged) -> None:
    if event.change == "scheduled":
        tasks.maintenance_notify.delay(event.maintenance_id, "scheduled")


def on_maintenance_moved(event: MaintenanceStatusChanged) -> None:
    tasks.maintenance_notify.delay(event.maintenance_id, event.after)


def register() -> None:
    events.subscribe(PublicUpdatePosted, on_public_update, when="on_commit")
    events.subscribe(MaintenanceChanged, on_maintenance_scheduled, when="on_commit")
    events.subscribe(MaintenanceStatusChanged, on_maintenance_moved, when="on_commit")
