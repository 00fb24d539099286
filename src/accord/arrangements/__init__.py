"""Repayment arrangements (还款安排): instalment plans (分期), extensions (展期), settlements with a
discount (减免), hardship holidays and re-ageing — policy as data, a pure offer engine, a pure ledger
restructure, the services that apply them, and the daily monitoring step."""
