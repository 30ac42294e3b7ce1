"""On-call models."""
