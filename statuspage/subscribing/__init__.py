"""Email subscribers of status pages (issue 16): double opt-in sign-up, per-component subscriptions, RFC 8058
one-click unsubscribe, and durable mail for public updates and maintenance. Layer modules: actions, selectors,
forms, views, urls (public, under /status/<org-slug>/), tokens (the links' secret), mail (what is sent), delivery
(the send state machine and its sweeper), tasks (Celery), hooks (the domain events it reacts to)."""


def register() -> None:
    """From StatuspageConfig.ready(): subscribe to the events that mail subscribers, and import the Celery tasks so
    a worker knows them."""
    from statuspage.subscribing import hooks

    hooks.register()
