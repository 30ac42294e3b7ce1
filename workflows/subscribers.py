"""What workflows reacts to (core.events): the triggers that start runs (workflows.triggers) and the events
sent to the org's outbound webhooks (workflows.webhooks.subscribers). Called from WorkflowsConfig.ready()."""


def register() -> None:
    from workflows import triggers
    from workflows.webhooks import subscribers as webhook_subscribers

    triggers.register()
    webhook_subscribers.register()
