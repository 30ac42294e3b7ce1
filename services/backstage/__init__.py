"""Backstage catalog import and export: catalog-info.yaml documents <-> the teams and services of one org.

Import is all-or-nothing: every document is validated (all errors collected) before anything is written,
and writes go through orgs.actions / services.actions so they are audited. A dry run executes the very same
writes in a savepoint and rolls them back, so its preview is exactly what a real import would do.
"""

from services.backstage.exporting import catalog_export
from services.backstage.importing import catalog_import
from services.backstage.results import ImportChange, ImportResult

__all__ = ["ImportChange", "ImportResult", "catalog_export", "catalog_import"]
