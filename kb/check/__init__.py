"""Checks over the loaded records: diagnostics with stable codes, reference checks, the secret gate."""
