"""Shared plumbing: database, money, time, errors."""
