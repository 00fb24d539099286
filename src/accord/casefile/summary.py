"""The case file's summary in Chinese or English: what a mediator reads first. Pure: data in, text out."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

LABELS = {
    "zh": {
        "title": "案件证据包摘要：案件{case}（借款{loan}）",
        "case": "案件：编号{case}，状态{status}，阶段{stage}，立案日期{opened}{closed}，负责方{owner}。",
        "closed": "，结案日期{on}（{reason}）",
        "parties": "当事人：出借方{lender}；借款人{name}，证件号{nid}，手机{phone}，适用法域{jur}。",
        "loan": "借款：编号{loan}，产品{product}，本金{principal}，年利率{rate}，放款日{disbursed}，期限{term}个月，"
                "还款方式{method}，币种{currency}。",
        "position": "截至{as_of}：逾期{dpd}天（{bucket}），逾期金额{overdue}，剩余本金{outstanding}，罚息{penalty}。",
        "money": "账务：应还本息费合计{scheduled}，已还{paid}，减免{waived}，核销{written_off}；共{n}笔还款，合计{sum}。",
        "contacts": "联络：计划或发送{n}次联络（{by_channel}），其中合规闸门拦截{blocked}次；联络事件{events}次（{outcomes}）。",
        "promises": "还款承诺：{counts}。",
        "disputes": "异议与投诉：{items}。",
        "holds": "暂停催收：{items}。",
        "section": "{name}：{n}条记录（{detail}）。",
        "evidence": "证据：本包附有{n}份日志回执（事件序号{first}至{last}），导出时日志链尾为{head_seq}号（哈希{head}）。"
                    "可用 accord journal verify --receipts 本文件 核验；各文件的SHA-256见manifest.json。",
        "none": "无",
        "names": {"arrangements": "还款安排", "placements": "委外记录", "legal": "调解与诉讼", "writeoffs": "核销与出售"},
    },
    "en": {
        "title": "Case file summary: case {case} (loan {loan})",
        "case": "Case: number {case}, {status}, stage {stage}, opened {opened}{closed}, owner {owner}.",
        "closed": ", closed {on} ({reason})",
        "parties": "Parties: lender {lender}; borrower {name}, ID {nid}, mobile {phone}, jurisdiction {jur}.",
        "loan": "Loan: {loan}, product {product}, principal {principal}, annual rate {rate}, disbursed {disbursed}, "
                "term {term} months, {method}, currency {currency}.",
        "position": "As of {as_of}: {dpd} days past due ({bucket}), overdue {overdue}, principal outstanding "
                    "{outstanding}, penalty {penalty}.",
        "money": "Account: scheduled principal, interest and fees {scheduled}; paid {paid}; waived {waived}; "
                 "written off {written_off}; {n} payments totalling {sum}.",
        "contacts": "Contacts: {n} planned or sent ({by_channel}), {blocked} blocked by the compliance gate; "
                    "{events} contact events ({outcomes}).",
        "promises": "Promises to pay: {counts}.",
        "disputes": "Disputes and complaints: {items}.",
        "holds": "Holds on collection: {items}.",
        "section": "{name}: {n} record(s) ({detail}).",
        "evidence": "Evidence: {n} journal receipts are enclosed (events {first} to {last}); the journal head at "
                    "export was event {head_seq} (hash {head}). Check them with `accord journal verify --receipts "
                    "THIS_FILE`; manifest.json lists the SHA-256 of every file.",
        "none": "none",
        "names": {"arrangements": "Arrangements", "placements": "Agency placements", "legal": "Mediation and legal",
                  "writeoffs": "Write-off and sale"},
    },
}


def _d(v: object) -> Decimal:
    return Decimal(str(v)) if v not in (None, "") else Decimal(0)


def _counts(items: list[dict], key: str, none: str) -> str:
    c = Counter(str(i.get(key)) for i in items)
    return ", ".join(f"{k} {n}" for k, n in sorted(c.items())) or none


def summary(data: dict, lang: str, *, identity: dict, receipts: list[int], head: tuple[int, str]) -> tuple[str, str]:
    """(title, text) of the summary; ``data`` is the case file's tables, ``identity`` the borrower's
    name, id and phone as they are shown in this file (masked or full)."""
    t = LABELS[lang]
    case, loan = data["case"][0], data["loan"][0]
    b = data["borrower"][0] if data["borrower"] else {}
    cur = loan.get("currency", "")
    m = lambda v: f"{_d(v):,.2f} {cur}"  # noqa: E731
    closed = t["closed"].format(on=case.get("closed_on"), reason=case.get("close_reason")) if case.get("closed_on") else ""
    lines = [
        t["case"].format(case=case["id"], status=case["status"], stage=case["stage"], opened=case["opened_on"],
                         closed=closed, owner=f"{case.get('owner_kind')}:{case.get('owner_id')}"),
        t["parties"].format(lender=loan.get("lender_id") or "-", name=identity.get("name"), nid=identity.get("national_id") or "-",
                            phone=identity.get("phone") or "-", jur=b.get("jurisdiction", "-")),
        t["loan"].format(loan=loan["id"], product=loan.get("product"), principal=m(loan.get("principal_minor")),
                         rate=loan.get("annual_rate"), disbursed=loan.get("disbursed_on"), term=loan.get("term_months"),
                         method=loan.get("repayment_method"), currency=cur),
    ]
    if data.get("position"):
        p = data["position"][0]
        overdue = sum(_d(p.get(k)) for k in ("overdue_principal", "overdue_interest", "overdue_fees", "penalty"))
        lines.append(t["position"].format(as_of=p["as_of"], dpd=p["dpd"], bucket=p["bucket"], overdue=m(overdue),
                                          outstanding=m(p.get("outstanding_principal")), penalty=m(p.get("penalty"))))
    sched = sum(_d(i.get(k)) for i in data["schedule"] for k in ("principal_due", "interest_due", "fee_due"))
    paid = sum(_d(i.get(k)) for i in data["schedule"] for k in ("principal_paid", "interest_paid", "fee_paid", "penalty_paid"))
    waived = sum(_d(x.get(k)) for x in data["ledger"] if x.get("kind") == "waiver"
                 for k in ("principal", "interest", "fee", "penalty"))
    written = sum(_d(x.get(k)) for x in data["ledger"] if x.get("kind") == "write_off"
                  for k in ("principal", "interest", "fee", "penalty"))
    lines.append(t["money"].format(scheduled=m(sched), paid=m(paid), waived=m(abs(waived)), written_off=m(abs(written)),
                                   n=len(data["payments"]), sum=m(sum(_d(x.get("amount_minor")) for x in data["payments"]))))
    contacts = data["actions"] + [x for x in data["messages"] if not x.get("action_id")]
    blocked = sum(1 for a in data["actions"] if a.get("status") == "blocked") + \
        sum(1 for x in data["messages"] if x.get("status") == "blocked")
    lines.append(t["contacts"].format(n=len(contacts), by_channel=_counts(contacts, "channel", t["none"]), blocked=blocked,
                                      events=len(data["contact_events"]),
                                      outcomes=_counts(data["contact_events"], "outcome", t["none"])))
    lines.append(t["promises"].format(counts=_counts(data["promises"], "status", t["none"])))
    lines.append(t["disputes"].format(items=", ".join(f"{d['type']} ({d['status']}{', ' + d['outcome'] if d.get('outcome') else ''})"
                                                      for d in data["disputes"]) or t["none"]))
    lines.append(t["holds"].format(items=", ".join(f"{h['kind']} ({'released' if h.get('released_at') else 'active'})"
                                                   for h in data["holds"]) or t["none"]))
    for name, rows in data.get("sections", {}).items():
        if rows:
            detail = _counts(rows, "status", t["none"]) if any("status" in r for r in rows) else str(len(rows))
            lines.append(t["section"].format(name=t["names"].get(name, name), n=len(rows), detail=detail))
    lines.append(t["evidence"].format(n=len(receipts), first=receipts[0] if receipts else "-",
                                      last=receipts[-1] if receipts else "-", head_seq=head[0], head=head[1][:16]))
    return t["title"].format(case=case["id"], loan=loan["id"]), "\n\n".join(lines)
