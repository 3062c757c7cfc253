"""Importers: existing Markdown audit reports and live cluster state (kubectl JSON) into records."""
