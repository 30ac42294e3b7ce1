"""Outbound webhooks: an org's endpoints receive its events signed per the Standard Webhooks spec.

`catalog` (the event types), `signing` (secrets, the `webhook-*` headers), `payloads` (the JSON bodies),
`actions` (endpoints and enqueueing deliveries), `delivery` (the send state machine, retries and the sweeper),
`subscribers` (which domain events become deliveries), `selectors`, `views` + `urls` (pages), `api` (REST).
docs/webhooks.md is the receiver's guide."""
