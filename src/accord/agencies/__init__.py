"""Agency placement (委外催收): agencies under contract, placing cases with them (by hand or from the
strategy's proposals), the borrower told before the hand-over (CN-OUT-01), recall / return / expiry,
commission statements, and what an agency user may see (PIPL art. 21).

Front door: ``accord.agencies.service`` (nothing there commits or sends). Pure rules in ``rules.py``,
queries in ``repository.py``, the agency user's view in ``access.py``, statements and the case-file
section in ``statements.py``, policy data in ``policy.yaml``.
"""
