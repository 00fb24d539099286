"""The case file (案件证据包): one ZIP a mediator, an internet court or a debt buyer can rely on.

``export_case`` gathers a case's loan contract data, schedule, full ledger, payments, every contact
with its gate decision, promises, arrangements, disputes, holds, placements, legal steps and
write-off, adds a journal receipt for every event about the loan, a manifest of file hashes and a
PDF summary in Chinese or English. ``accord journal verify --receipts FILE.zip`` checks the receipts
against the journal. The case file is a read model: it reads the other features' tables through the
shared metadata and never writes them (only the ``case.exported`` journal event).
"""
