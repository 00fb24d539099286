"""Delinquency: DPD, buckets (M0–M7), daily snapshots and transitions (roll forward, cure, roll back)."""
