"""kb: an incident and audit knowledge base of YAML records in git."""

__version__ = "0.1.0"
