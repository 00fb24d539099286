"""Export one case as a verifiable case file (ZIP). Does not commit: the command does."""

from __future__ import annotations

import csv
import importlib
import io
import json
import os
import zipfile
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from accord.casefile import repository as repo
from accord.casefile.summary import summary
from accord.kit.crypto import canonical_json, sha256_hex
from accord.kit.errors import InputError, ProblemError
from accord.kit.timeutil import utcnow

# Features that add their own part to the case file: ``<module>.case_file_section(session, loan_id)``.
SECTIONS = {"arrangements": "accord.arrangements.service", "placements": "accord.agencies.service",
            "legal": "accord.legal.service", "writeoffs": "accord.writeoffs.service"}
IDENTITY = ("masked", "full")
CSV_FILES = {"schedule": "schedule.csv", "ledger": "ledger.csv", "payments": "payments.csv"}
JSON_FILES = {"case": "case.json", "loan": "loan.json", "borrower": "borrower.json", "position": "position.json",
              "promises": "promises.json", "disputes": "disputes.json", "holds": "holds.json"}


def _sections(session: Session, loan_id: str) -> dict[str, list[dict]]:
    out = {}
    for name, module in SECTIONS.items():
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue  # the feature is not part of this installation
        fn = getattr(mod, "case_file_section", None)
        if fn is not None:
            out[name] = json.loads(canonical_json(fn(session, loan_id)))
    return out


def _identity(session: Session, borrower: dict, mode: str) -> dict:
    from accord.agents.masking import mask_email, mask_id, mask_phone
    from accord.loans.models import Borrower

    b = session.get(Borrower, borrower["id"])
    nid = b.national_id if b is not None else None
    if mode == "full":
        return {"name": borrower["name"], "national_id": nid, "phone": borrower.get("phone"),
                "email": borrower.get("email"), "address": borrower.get("address")}
    return {"name": borrower["name"], "national_id": mask_id(nid), "phone": mask_phone(borrower.get("phone")),
            "email": mask_email(borrower.get("email")), "address": None}  # a masked file carries no address


def _mask_target(value: str | None) -> str | None:
    from accord.agents.masking import mask_email, mask_phone

    if not value or value == "borrower" or ":" in value:
        return value
    return mask_email(value) if "@" in value else mask_phone(value)


def _contacts(data: dict, masked: bool) -> dict:
    """Every planned or sent contact with the gate's decision, and every contact event with its replies."""
    decisions: dict[str, list] = {}
    for g in data["gate_decisions"]:
        decisions.setdefault(g["action_id"], []).append(g)
    messages = {m["action_id"]: m for m in data["messages"] if m.get("action_id")}
    planned = []
    for a in data["actions"]:
        m = messages.get(a["id"])
        planned.append({"action": a, "gate_decisions_at_planning": decisions.get(a["id"], []),
                        "message": m, "gate_at_send": {"status": m["status"], "rules": m.get("gate_rules")} if m else None})
    notices = [m for m in data["messages"] if not m.get("action_id")]
    out = {"planned_contacts": planned, "notices": notices, "contact_events": data["contact_events"],
           "replies": data["replies"]}
    if masked:
        for item in (*[p["action"] for p in planned], *[p["message"] for p in planned if p["message"]], *notices,
                     *data["contact_events"]):
            item["target"] = _mask_target(item.get("target"))
    return out


def _csv(rows: list[dict]) -> bytes:
    cols: list[str] = []
    for r in rows:
        cols.extend(c for c in r if c not in cols)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v for k, v in r.items()})
    return buf.getvalue().encode("utf-8")


def _json(obj: object) -> bytes:
    return json.dumps(json.loads(canonical_json(obj)), ensure_ascii=False, indent=2).encode("utf-8")


def export_case(session: Session, case_id: int, out: Path, *, lang: str | None = None, identity: str = "masked",
                actor: str = "system", now: datetime | None = None) -> dict:
    """Write the case file of ``case_id`` to ``out`` (ZIP, replaced atomically); returns its manifest."""
    from accord.channels.adapters.letter_pdf import FontMissingError, render_letter_pdf
    from accord.journal import service as journal

    if identity not in IDENTITY:
        raise InputError(f"--identity must be masked or full, not {identity!r}")
    if lang not in (None, "zh", "en"):
        raise InputError(f"--lang must be zh or en, not {lang!r}")
    cases = repo.rows(session, "cases", lambda t: t.c.id == case_id)
    if not cases:
        raise ProblemError(f"no case {case_id}")
    case = cases[0]
    now = now or utcnow()
    data = repo.loan_rows(session, case["loan_pk"], case["loan_id"], case["borrower_id"])
    data["case"] = cases
    data["sections"] = _sections(session, case["loan_id"])
    borrower = data["borrower"][0]
    ident = _identity(session, borrower, identity)
    data["borrower"] = [{**borrower, **{k: v for k, v in ident.items() if k != "name"}}]
    lang = lang or (borrower.get("language") if borrower.get("language") in ("zh", "en") else "en")
    seqs = repo.journal_seqs(session, case["loan_id"], case["borrower_id"])
    receipts = {f"receipts/receipt-{s:09d}.json": _json(journal.receipt(session, s)) for s in seqs}
    head = journal.head(session)
    title, text = summary(data, lang, identity=ident, receipts=seqs, head=head or (0, ""))
    try:
        pdf = render_letter_pdf(subject=title, text=text, lang=lang, sender=str(data["loan"][0].get("lender_id") or ""),
                                dated=now.date().isoformat())
    except FontMissingError as exc:
        raise ProblemError(f"cannot write the Chinese summary: {exc}; or export with --lang en") from exc

    files: dict[str, bytes] = {name: _json(data[key]) for key, name in JSON_FILES.items()}
    files.update({name: _csv(data[key]) for key, name in CSV_FILES.items()})
    files["contacts.json"] = _json(_contacts(data, identity == "masked"))
    files.update({f"{name}.json": _json(rows) for name, rows in data["sections"].items()})
    files["summary.pdf"] = pdf
    files["summary.txt"] = f"{title}\n\n{text}\n".encode()
    files.update(receipts)
    manifest = {"case_file_version": 1, "case_id": case_id, "loan_id": case["loan_id"],
                "borrower_id": case["borrower_id"], "generated_at": now.isoformat(), "generated_by": actor,
                "language": lang, "identity": identity, "journal_head": {"seq": head[0], "hash": head[1]} if head else None,
                "receipts": len(receipts), "files": {n: sha256_hex(b) for n, b in sorted(files.items())}}
    files["manifest.json"] = _json(manifest)

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    stamp = now.astimezone().timetuple()[:6]
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            z.writestr(zipfile.ZipInfo(name, date_time=stamp), files[name], compress_type=zipfile.ZIP_DEFLATED)
    os.replace(tmp, out)
    digest = sha256_hex(out.read_bytes())
    journal.append(session, "case.exported", actor=actor, loan_id=case["loan_id"], borrower_id=case["borrower_id"],
                   subject=f"case:{case_id}",
                   payload={"case_id": case_id, "zip_sha256": digest, "manifest_sha256": sha256_hex(files["manifest.json"]),
                            "receipts": len(receipts), "identity": identity, "language": lang})
    return {**manifest, "zip_sha256": digest, "path": str(out)}
