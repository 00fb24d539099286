"""Collection cases and the humane side of the workflow: holds, promises to pay, disputes, complaints.

Call it through ``accord.cases.service`` (everything journalled, nothing committed):

- ``sync_cases(session, as_of) -> dict`` — open / move / close cases from the delinquency snapshot
  (columnar; the daily run calls it after the snapshot is written, in the same transaction);
  ``close_case``, ``get_case``, ``list_cases``, ``timeline(session, case_id)``.
- ``open_hold`` / ``release_hold`` / ``active_holds(session, borrower_ids) -> polars.DataFrame`` and
  ``gate_facts(frame)`` (the holds as the compliance gate's borrower input).
- ``record_promise(...) -> RecordedPromise`` (with the ``promise_confirmation`` to send),
  ``due_reminders(session, as_of)``, ``judge_promises(session, as_of, tolerance=None)``.
- ``open_dispute(...)``, ``resolve_dispute(...)``, ``record_survey(...)``, ``overdue_disputes(session, now)``.

Pure parts: ``lifecycle.plan_sync`` and ``judging.judge`` (Polars frames in, frames out), ``rules``
(vocabularies, promise bounds, dispute holds, SLAs); policy data in ``data/*.yaml``.
"""
