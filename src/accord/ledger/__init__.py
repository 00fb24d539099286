"""Ledger: postings, the payment waterfall and penalty accrual. Balances are sums of postings."""
