"""Records into documents: the views templates read, the one Jinja environment, escaping, outputs."""
