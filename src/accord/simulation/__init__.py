"""Synthetic portfolios and (later) the digital twin: borrowers with hidden ability and willingness
whose payments follow the published shapes in docs/calibration.md."""
