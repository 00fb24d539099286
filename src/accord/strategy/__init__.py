"""Strategies as data: segments, treatment ladders, champion / challenger arms, and the pure planning
of each day's contacts (what to send, to whom, through which channel, in which tone, when)."""
