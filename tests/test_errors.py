"""The typed failure, its data form, and the one place an unexpected exception becomes a typed failure."""
import json

import pytest

from goose_studio.errors import Failure, FailureKind, ToolFailure, internal_failure


def test_failure_round_trips():
    f = ToolFailure("oom", "ran out", hint="smaller batch", details={"step": 4})
    again = ToolFailure.from_dict(json.loads(json.dumps(f.to_dict())))
    assert (again.kind, again.message, again.hint, again.details) == (FailureKind.oom, "ran out", "smaller batch", {"step": 4})
    as_data = Failure.of(f, tab="train")
    assert as_data.tab == "train" and as_data.raise_again().to_dict() == f.to_dict()
    with pytest.raises(ValueError):
        ToolFailure("not-a-kind", "x")


def test_an_unexpected_exception_is_logged_and_typed(tmp_path):
    try:
        {}["missing"]
    except KeyError as exc:
        failure = internal_failure(exc, tmp_path / "logs" / "error.log", "build")
    assert failure.kind is FailureKind.internal and failure.message.startswith("KeyError")
    log = (tmp_path / "logs" / "error.log").read_text()
    assert "Traceback" in log and "build" in log and str(tmp_path / "logs" / "error.log") in failure.hint
