"""Moved to core.markdown (shared by incidents, retros and ticketing); kept so old imports keep working."""

from core.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render

__all__ = ["ALLOWED_ATTRIBUTES", "ALLOWED_TAGS", "render"]
