"""RuleViolation carries what the API needs and survives pickling."""

import pickle

from nara.domain.errors import RuleViolation


def test_rule_violation_round_trips() -> None:
    error = RuleViolation(
        rule="notice-period",
        field="deadline",
        value="2026-12-21T10:00:00+09:00",
        accepted="on or after 2026-12-28 10:00 KST",
        message="construction needs a 30-day notice period",
        suggestion=3,
    )
    again = pickle.loads(pickle.dumps(error))
    assert isinstance(again, RuleViolation)
    assert again.as_dict() == error.as_dict()
    assert str(again) == "construction needs a 30-day notice period"
