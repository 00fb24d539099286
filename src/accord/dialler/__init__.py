"""Dialler integration: the day's call actions exported for a predictive / robot dialler, and its
call outcomes imported back as contact events (idempotent by action id)."""
