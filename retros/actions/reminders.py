"""Reminder emails to the owners of unpublished retrospectives due soon or overdue."""

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from retros import selectors
from retros.actions.common import retrospective_path
from retros.models import Retrospective, RetrospectiveStatus

logger = logging.getLogger(__name__)


def retrospective_reminders_send(*, now: datetime | None = None) -> int:
    """Email owners of unpublished retros due within a day or overdue; returns how many were sent.

    Idempotent through `reminded_at`: one "due soon" and one "overdue" email per due date at most. Each row is
    stamped only if it still needs it (conditional update), and the email goes out after, outside any lock.
    """
    now = now or timezone.now()
    sent = 0
    for retrospective in selectors.retrospectives_to_remind(now=now):
        overdue = retrospective.due_at < now
        claim = Retrospective.objects.filter(pk=retrospective.pk, reminded_at=retrospective.reminded_at).exclude(
            status=RetrospectiveStatus.PUBLISHED
        )
        if not claim.update(reminded_at=now):
            continue  # another worker took it, or it was published meanwhile
        incident = retrospective.incident
        url = settings.SITE_URL + retrospective_path(retrospective)
        due = retrospective.due_at.strftime("%Y-%m-%d %H:%M UTC")
        subject = (
            f"Overdue: retrospective of {incident.reference}"
            if overdue
            else f"Due soon: retrospective of {incident.reference}"
        )
        body = (
            f"The retrospective of {incident.reference} ({retrospective.title}) in {retrospective.organization.name} "
            f"{'was due' if overdue else 'is due'} {due}. It is {retrospective.get_status_display().lower()}.\n\n"
            f"Open it: {url}\n"
        )
        try:
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[retrospective.owner.email])
        except OSError:
            logger.exception("Reminder for retrospective %s not sent", retrospective.pk)
            Retrospective.objects.filter(pk=retrospective.pk, reminded_at=now).update(
                reminded_at=retrospective.reminded_at
            )
            continue
        sent += 1
    return sent
