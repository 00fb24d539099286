"""Loan book: parties, loans, schedules (等额本息 / 等额本金 / 先息后本 / 到期还本付息), import."""
