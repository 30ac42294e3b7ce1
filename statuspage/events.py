"""The domain events the statuspage app publishes (core.events), inside the transaction of the change.

Nothing below statuspage imports it; higher apps (workflows, chat-ops) may subscribe to these by type.
"""
