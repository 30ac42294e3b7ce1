"""Ticketing models."""
