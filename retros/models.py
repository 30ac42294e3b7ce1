"""Retrospectives models."""
