"""Writes of the oncall app, one module per concern: `schedules`, `policies`, `escalations`.

Import the module you need: `from oncall.actions import escalations as escalation_actions`.
"""
