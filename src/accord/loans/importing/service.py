"""Import orchestration: read → map → validate everything → write all or nothing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from accord.journal.chain import digest_lines
from accord.journal.service import append
from accord.kit.crypto import file_sha256
from accord.kit.errors import InputError, RowError, ValidationFailed
from accord.kit.money import to_minor
from accord.kit.timeutil import utcnow, zone
from accord.ledger.models import DISBURSEMENT, Posting
from accord.loans import repository as repo
from accord.loans.importing import mapping as mapping_mod
from accord.loans.importing.columns import KINDS, REQUIRED, allowed
from accord.loans.importing.readers import discover, kind_of, read_text_frame
from accord.loans.importing.validate import PARSERS, content_hash
from accord.loans.models import Borrower, ContactPoint, ImportBatch, Installment, Loan, Payment
from accord.loans.products import get_product
from accord.loans.schedule import Installment as Inst
from accord.loans.schedule import generate, total_annual_cost


@dataclass
class ImportReport:
    new: dict[str, int] = field(default_factory=lambda: {k: 0 for k in KINDS})
    unchanged: dict[str, int] = field(default_factory=lambda: {k: 0 for k in KINDS})
    files: dict[str, str] = field(default_factory=dict)
    batch_id: int | None = None
    journal_seq: int | None = None
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {"new": self.new, "unchanged": self.unchanged, "files": self.files,
                "batch_id": self.batch_id, "journal_seq": self.journal_seq, "dry_run": self.dry_run}


@dataclass
class Parsed:
    """Validated records per kind, each with its file name and row number."""

    rows: dict[str, list[tuple[str, int, dict]]] = field(default_factory=lambda: defaultdict(list))


def _read_all(paths: list[Path], mappings: dict) -> tuple[Parsed, list[RowError], dict[str, str]]:
    parsed, errors, hashes = Parsed(), [], {}
    for path in discover(paths):
        kind = mapping_mod.kind_by_mapping(path, mappings) or kind_of(path)
        if kind is None:
            raise InputError(f"{path}: cannot tell which file this is; name it borrowers, loans, schedule "
                             f"or payments (or map it with --mapping)")
        df = read_text_frame(path)
        if kind in mappings:
            df = mapping_mod.apply(df, mappings[kind])
        unknown = [c for c in df.columns if c not in allowed(kind)]
        if unknown:
            raise InputError(f"{path}: unknown column {unknown[0]!r} for a {kind} file "
                             f"(map or drop it with --mapping)")
        missing = [c for c in REQUIRED[kind] if c not in df.columns]
        if missing:
            raise InputError(f"{path}: required column {missing[0]!r} is missing from this {kind} file")
        hashes[path.name] = file_sha256(path)
        parse = PARSERS[kind]
        for i, raw in enumerate(df.iter_rows(named=True), start=2):
            rec = parse(path.name, i, raw, errors)
            if rec is not None:
                parsed.rows[kind].append((path.name, i, rec))
    return parsed, errors, hashes


def _dedupe(items, key: str, errors: list[RowError], hashed) -> dict:  # noqa: ANN001
    """One record per id; the same id with different content is an error."""
    seen: dict[str, tuple[str, int, dict]] = {}
    for file, row, rec in items:
        k = rec[key]
        if k in seen:
            f0, r0, rec0 = seen[k]
            if hashed(rec0) != hashed(rec):
                errors.append(RowError(file, row, key, f"duplicate {key} {k} with different content "
                                                       f"(first seen in {f0}, row {r0})"))
            continue
        seen[k] = (file, row, rec)
    return seen


def _loan_schedule(rec: dict, given: list[tuple[str, int, dict]] | None) -> list[Inst]:
    if given:
        return [Inst(r["installment_no"], r["due_on"], r["principal_due"], r["interest_due"], r["fee_due"])
                for _, _, r in sorted(given, key=lambda t: t[2]["installment_no"])]
    return generate(rec["principal"], rec["annual_rate"], rec["term_months"], rec["disbursed_on"],
                    rec["repayment_method"])


def _check_schedule(loan_id: str, rec: dict, given, errors: list[RowError]) -> bool:  # noqa: ANN001
    nos = sorted(r["installment_no"] for _, _, r in given)
    file, row, _ = min(given, key=lambda t: t[1])
    if nos != list(range(1, len(nos) + 1)):
        errors.append(RowError(file, row, "installment_no",
                               f"installments of loan {loan_id} must be numbered 1..{len(nos)} without gaps"))
        return False
    total = sum((r["principal_due"] for _, _, r in given), Decimal(0))
    if total != rec["principal"]:
        errors.append(RowError(file, row, "principal_due",
                               f"principal due of loan {loan_id} adds up to {total}, not the principal {rec['principal']}"))
        return False
    dues = [r["due_on"] for _, _, r in sorted(given, key=lambda t: t[2]["installment_no"])]
    if dues != sorted(dues) or dues[0] <= rec["disbursed_on"]:
        errors.append(RowError(file, row, "due_on",
                               f"due dates of loan {loan_id} must follow disbursement and increase"))
        return False
    return True


def import_files(session: Session, paths: list[Path], mapping: Path | None = None,
                 dry_run: bool = False, actor: str = "import") -> ImportReport:
    mappings = mapping_mod.load_mapping(mapping) if mapping else {}
    parsed, errors, file_hashes = _read_all(paths, mappings)
    report = ImportReport(files=file_hashes, dry_run=dry_run)

    borrowers = _dedupe(parsed.rows["borrowers"], "borrower_id", errors, lambda r: r["content_hash"])
    loans = _dedupe(parsed.rows["loans"], "loan_id", errors, content_hash)
    payments = _dedupe(parsed.rows["payments"], "payment_id", errors, lambda r: r["content_hash"])
    schedule_by_loan: dict[str, list] = defaultdict(list)
    for file, row, rec in parsed.rows["schedule"]:
        schedule_by_loan[rec["loan_id"]].append((file, row, rec))

    db_borrowers = repo.borrower_hashes(session, sorted(borrowers))
    known_borrowers = set(borrowers) | set(repo.existing_ids(session, Borrower,
                                                            sorted({r["borrower_id"] for _, _, r in loans.values()})))
    for bid, (file, row, rec) in borrowers.items():
        if bid in db_borrowers and db_borrowers[bid] != rec["content_hash"]:
            errors.append(RowError(file, row, "borrower_id", f"borrower {bid} was imported before with different content"))

    # Loans: borrower known, schedule valid, cost under the product's legal cap.
    schedules: dict[str, list[Inst]] = {}
    for lid, (file, row, rec) in loans.items():
        if rec["borrower_id"] not in known_borrowers:
            errors.append(RowError(file, row, "borrower_id", f"unknown borrower {rec['borrower_id']}"))
            continue
        given = schedule_by_loan.get(lid)
        if given and not _check_schedule(lid, rec, given, errors):
            continue
        sched = _loan_schedule(rec, given)
        schedules[lid] = sched
        product = get_product(rec["product"])
        if product.annual_cost_cap is not None:
            cost = total_annual_cost(rec["principal"], rec["disbursed_on"], sched, rec["penalty_rate_daily"])
            if cost > product.annual_cost_cap:
                errors.append(RowError(file, row, "annual_rate",
                                       f"total annual cost {cost * 100:.2f} % exceeds the legal cap of "
                                       f"{product.annual_cost_cap * 100:.0f} % for product {product.name}"))
                continue
        rec["schedule_source"] = "imported" if given else "generated"
        rec["content_hash"] = content_hash({**rec, "schedule": [
            [i.no, i.due_on, i.principal, i.interest, i.fee] for i in sched] if given else None})
    for lid, rows in schedule_by_loan.items():
        if lid not in loans:
            file, row, _ = rows[0]
            errors.append(RowError(file, row, "loan_id", f"schedule for loan {lid}, which is not in this import's loans"))

    db_loans = repo.loan_hashes(session, sorted(set(loans) | {r["loan_id"] for _, _, r in payments.values()}))
    for lid, (file, row, rec) in loans.items():
        if lid in db_loans and "content_hash" in rec and db_loans[lid][1] != rec["content_hash"]:
            errors.append(RowError(file, row, "loan_id", f"loan {lid} was imported before with different content"))

    # Payments: loan known, after disbursement, id applied once.
    db_payments = repo.payment_hashes(session, sorted(payments))
    loan_zone_ids = {}
    for pid, (file, row, rec) in payments.items():
        lid = rec["loan_id"]
        if lid not in loans and lid not in db_loans:
            errors.append(RowError(file, row, "loan_id", f"payment for unknown loan {lid}"))
            continue
        if pid in db_payments and db_payments[pid] != rec["content_hash"]:
            errors.append(RowError(file, row, "payment_id", f"payment {pid} was imported before with different content"))
        borrower_id = loans[lid][2]["borrower_id"] if lid in loans else db_loans[lid][2]
        loan_zone_ids[pid] = borrower_id

    if errors:
        raise ValidationFailed(sorted(errors, key=lambda e: (e.file, e.row or 0)))

    zones = {bid: rec["timezone"] for bid, (_, _, rec) in borrowers.items()}
    zones.update(repo.borrower_zones(session, sorted(set(loan_zone_ids.values()) - set(zones))))
    for pid, (file, row, rec) in payments.items():
        lid = rec["loan_id"]
        disbursed = loans[lid][2]["disbursed_on"] if lid in loans else None
        rec["paid_on"] = rec["paid_at"].astimezone(zone(zones[loan_zone_ids[pid]])).date()
        if disbursed and rec["paid_on"] < disbursed:
            errors.append(RowError(file, row, "paid_at", f"payment dated before loan {lid} was disbursed ({disbursed})"))
    if errors:
        raise ValidationFailed(errors)

    new_b = {k: v for k, v in borrowers.items() if k not in db_borrowers}
    new_l = {k: v for k, v in loans.items() if k not in db_loans}
    new_p = {k: v for k, v in payments.items() if k not in db_payments}
    report.new.update(borrowers=len(new_b), loans=len(new_l), payments=len(new_p),
                      schedule=sum(len(schedule_by_loan.get(k, [])) for k in new_l))
    report.unchanged.update(borrowers=len(borrowers) - len(new_b), loans=len(loans) - len(new_l),
                            payments=len(payments) - len(new_p),
                            schedule=sum(len(v) for k, v in schedule_by_loan.items() if k not in new_l))
    if dry_run or not (new_b or new_l or new_p):
        return report
    _write(session, report, new_b, new_l, new_p, schedules, db_loans, actor)
    return report


def _write(session: Session, report: ImportReport, new_b, new_l, new_p, schedules, db_loans, actor) -> None:  # noqa: ANN001
    batch = ImportBatch(at=utcnow(), source="import", files=report.files,
                        counts={"borrowers": len(new_b), "loans": len(new_l), "payments": len(new_p)})
    session.add(batch)
    session.flush()
    report.batch_id = batch.id
    repo.insert_rows(session, Borrower, [
        {"id": bid, "name": r["name"], "national_id": r["national_id"], "phone": r["phone"], "email": r["email"],
         "timezone": r["timezone"], "language": r["language"], "address": r["address"],
         "jurisdiction": r["jurisdiction"], "status": "reachable", "civil_capacity": "full", "flags": [],
         "content_hash": r["content_hash"], "batch_id": batch.id}
        for bid, (_, _, r) in new_b.items()])
    # Each borrower's phone and e-mail become contact points: the gate reads consent and opt-outs there.
    repo.insert_rows(session, ContactPoint, [
        {"borrower_id": bid, "kind": kind, "value": r[field], "verified": False}
        for bid, (_, _, r) in new_b.items() for kind, field in (("mobile", "phone"), ("email", "email")) if r[field]])
    repo.ensure_parties(session, {r["lender_id"] for _, _, r in new_l.values() if r["lender_id"]},
                        {r["guarantor_id"] for _, _, r in new_l.values() if r["guarantor_id"]})
    pk = repo.next_loan_pk(session)
    loan_rows, inst_rows, post_rows, pks = [], [], [], {}
    for lid, (_, _, r) in new_l.items():
        pks[lid] = pk
        loan_rows.append({
            "pk": pk, "id": lid, "borrower_id": r["borrower_id"], "lender_id": r["lender_id"],
            "guarantor_id": r["guarantor_id"], "kind": r["kind"], "product": r["product"],
            "currency": r["currency"], "principal_minor": to_minor(r["principal"]),
            "annual_rate": r["annual_rate"], "disbursed_on": r["disbursed_on"], "term_months": r["term_months"],
            "repayment_method": r["repayment_method"], "penalty_rate_daily": r["penalty_rate_daily"],
            "grace_days": r["grace_days"], "schedule_source": r["schedule_source"], "status": "open",
            "credit_minor": 0, "content_hash": r["content_hash"], "batch_id": batch.id})
        for inst in schedules[lid]:
            inst_rows.append({"loan_pk": pk, "installment_no": inst.no, "due_on": inst.due_on,
                              "principal_due": to_minor(inst.principal), "interest_due": to_minor(inst.interest),
                              "fee_due": to_minor(inst.fee), "principal_paid": 0, "interest_paid": 0, "fee_paid": 0,
                              "penalty_accrued": 0, "penalty_paid": 0, "waived": 0})
        post_rows.append({"loan_pk": pk, "installment_no": None, "kind": DISBURSEMENT,
                          "effective_on": r["disbursed_on"], "principal": to_minor(r["principal"]),
                          "interest": 0, "fee": 0, "penalty": 0, "credit": 0})
        pk += 1
    repo.insert_rows(session, Loan, loan_rows)
    repo.insert_rows(session, Installment, inst_rows)
    repo.insert_rows(session, Posting, post_rows)
    repo.insert_rows(session, Payment, [
        {"id": pid, "loan_pk": pks.get(r["loan_id"]) or db_loans[r["loan_id"]][0], "paid_at": r["paid_at"],
         "paid_on": r["paid_on"], "amount_minor": to_minor(r["amount"]), "channel": r["channel"],
         "content_hash": r["content_hash"], "batch_id": batch.id}
        for pid, (_, _, r) in new_p.items()])
    entry = append(session, "import.batch", actor=actor, subject=f"import_batch:{batch.id}", payload={
        "batch_id": batch.id, "files": report.files, "counts": batch.counts,
        "digests": {
            "borrowers": digest_lines(f"{k}:{r['content_hash']}" for k, (_, _, r) in new_b.items()),
            "loans": digest_lines(f"{k}:{r['content_hash']}" for k, (_, _, r) in new_l.items()),
            "payments": digest_lines(f"{k}:{r['content_hash']}" for k, (_, _, r) in new_p.items()),
        }})
    report.journal_seq = entry.seq

