"""Reads of the oncall app, one module per concern: `schedules`, `policies`, `escalations`."""
