"""The conformance suite, check by check, against the SDK's own server (ToneEngine: clone,
preset and streaming models, so every check applies)."""

from __future__ import annotations

import pytest

from provider_sdk.conformance import CHECKS, Check, Target, report, run_conformance
from provider_sdk.conformance.__main__ import main as conformance_main
from tests.provider_sdk.conftest import Served


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_check(check: Check, served: Served) -> None:
    target = Target(served.url, served.token)
    try:
        check.run(target)
    finally:
        target.close()


def test_runner_reports_failures_and_exits_nonzero(served: Served, capsys) -> None:
    outcomes = run_conformance(served.url, "wrong-token")
    assert any(o.result == "fail" for o in outcomes)
    text = report(outcomes)
    assert "FAIL  health" in text and "failed" in text
    assert conformance_main(["--url", served.url, "--token", "wrong-token"]) == 1
    assert conformance_main(["--url", served.url, "--token", served.token]) == 0
    assert "0 failed" in capsys.readouterr().out
