"""Stakeholder updates (issue 16): audiences and templates of an org, updates sent from the incident page with a
delivery per audience. Layer modules: actions, selectors, forms, views, urls, payloads (what each kind of audience
receives), delivery (the send state machine), tasks (Celery), panels (the incident page's panel)."""


def register() -> None:
    """From StatuspageConfig.ready(): import the Celery tasks so that a worker knows them (autodiscovery only
    looks at statuspage.tasks)."""
    from statuspage.stakeholders import tasks  # noqa: F401 - registers the shared tasks
