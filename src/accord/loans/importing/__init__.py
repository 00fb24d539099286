"""Loan-book import (contracts.md "Loan book import"): read CSV / Parquet / XLSX, apply a mapping,
validate every row, then write all or nothing, idempotently by ids."""
