"""Every table module, imported once so `Base.metadata` is complete for Alembic and tests.

A feature that adds tables puts them in its own module and adds its name to the import below.
"""

from inbox.store import (  # noqa: F401 - imported for their table definitions
    engagement_tables,
    feed_tables,
    journal_tables,
    mention_tables,
    models,
    report_tables,
    rule_tables,
    team_tables,
    verification_tables,
)
from inbox.store.models import Base

metadata = Base.metadata
