"""Full-text search over every record: an SQLite FTS5 index kept up to date before each search.

`index` builds and refreshes the index from the record files; `ranking` parses a query and ranks
the matches (`ranking.search` is the entry point); `kb.cli.search` is the `kb search` command line. Only
the standard library and (for changed files) PyYAML are imported, so a search runs as a short
process without pydantic, GitPython, Jinja2 or click. The package itself imports nothing, so
naming the command (`kb --help`) does not load SQLite.
"""
