"""Accord: humane, compliant and effective debt collection for online lenders."""

__version__ = "0.1.0"
