"""API kit that needs no app: objects addressed by their public uuid."""

from drf_spectacular.utils import OpenApiParameter

UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The object's id (uuid).")


class UuidLookupMixin:
    """Objects addressed as /{id}/ by their uuid (never the pk); anything not shaped like one is a 404."""

    lookup_field = "uuid"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN
