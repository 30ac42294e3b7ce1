"""Pages of the drills app (/o/<org>/drills/…), one module per topic, re-exported here."""

from drills.views.home import drills_home

__all__ = ["drills_home"]
