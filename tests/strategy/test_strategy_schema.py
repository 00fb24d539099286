"""Strategy files: valid ones load; bad ones are rejected with the line and the reason."""

from __future__ import annotations

import pytest

from accord.kit.errors import InputError
from accord.strategy.schema import default_strategy, parse_strategy

GOOD = """\
name: t
segments:
  - {id: m1, when: {bucket: [M1]}, ladder: m1}
ladders:
  m1:
    - {day: 1, channel: sms, template: reminder_m1_soft, tone: gentle}
"""


def test_default_ladder_is_valid_and_covers_every_bucket():
    s = default_strategy()
    buckets = {b for seg in s.segments if seg.when.bucket for b in seg.when.bucket}
    assert {"M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7"} <= buckets
    assert dict(s.arms)["champion"] == pytest.approx(0.8)


@pytest.mark.parametrize(("text", "line", "reason"), [
    (GOOD.replace("channel: sms", "channel: fax"), 6, "unknown channel 'fax'"),
    (GOOD.replace("ladder: m1}", "ladder: m9}"), None, "unknown ladder 'm9'"),
    (GOOD.replace("bucket: [M1]", "buckets: [M1]"), 3, "buckets"),
    (GOOD.replace("tone: gentle", "tone: angry"), 6, "tone"),
    (GOOD.replace("tone: gentle}", "tone: gentle, if: [no_money]}"), 6, "unknown condition 'no_money'"),
    (GOOD.replace(", template: reminder_m1_soft", ""), 6, "needs a template"),
    ("name: t\nsegments: [\n", 3, "not valid YAML"),
])
def test_bad_files_name_line_and_reason(text, line, reason):
    with pytest.raises(InputError) as exc:
        parse_strategy(text, "s.yaml")
    msg = str(exc.value)
    assert msg.startswith("s.yaml")
    assert reason in msg
    if line:
        assert f"line {line}" in msg


def test_challenger_shares_must_leave_room_for_the_champion():
    text = GOOD.replace("segments:", "experiment: e\nchallengers:\n  - {id: a, share: 0.6}\n  - {id: b, share: 0.5}\nsegments:")
    with pytest.raises(InputError, match="champion needs a share"):
        parse_strategy(text)
