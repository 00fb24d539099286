"""The daily run: steps over columnar frames, idempotent per date, catching up missed days."""
