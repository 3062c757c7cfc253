"""Full-text search over every record: an SQLite FTS5 index kept up to date before each search.

`index` builds and refreshes the index from the record files; `query` parses a query and ranks
the matches. Only the standard library and (for changed files) PyYAML are imported, so a search
runs as a short process without pydantic, GitPython or Jinja2.
"""

from __future__ import annotations

from kb.search.index import SyncStats
from kb.search.query import Filters, Hit, SearchError, SearchResult, search

__all__ = ["Filters", "Hit", "SearchError", "SearchResult", "SyncStats", "search"]
