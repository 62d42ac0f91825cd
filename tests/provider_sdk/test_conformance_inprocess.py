"""The conformance suite, check by check, against the SDK's own server (ToneEngine: clone,
preset and streaming models, so every check applies)."""

from __future__ import annotations

import pytest

from provider_sdk.conformance import CHECKS, Check, Target, report, run_conformance
from provider_sdk.conformance.__main__ import main as conformance_main
from tests.provider_sdk.conftest import TOKEN, Served, serve_engines
from tests.provider_sdk.tone_engine import ToneEngine


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


class ClonelessMachine(ToneEngine):
    """The tone engine on a machine where the clone model's files are missing."""

    def is_downloaded(self, model_size: str) -> bool:
        return model_size != "clone"


def test_missing_model_is_not_applicable_and_reported() -> None:
    with serve_engines([ClonelessMachine()]) as url:
        outcomes = run_conformance(url, TOKEN)
        text = report(outcomes)
        assert not [o for o in outcomes if o.result == "fail"], text
        by_name = {o.check: o for o in outcomes}
        for name in ("clone_round_trip", "streaming"):
            assert by_name[name].result == "n/a", text
            assert "model tone/clone not downloaded" in by_name[name].detail
        assert by_name["generate"].result == "pass"  # the preset model is on disk
        assert outcomes.not_exercised == ["tone/clone (not downloaded)"]
        assert "N/A   clone_round_trip" in text
        assert "not applicable: model tone/clone not downloaded" in text
        assert "not exercised: tone/clone (not downloaded)" in text


def test_model_option_chooses_what_to_exercise(served: Served, capsys) -> None:
    outcomes = run_conformance(served.url, served.token, model="tone/preset")
    text = report(outcomes)
    assert not [o for o in outcomes if o.result == "fail"], text
    results = {o.check: o.result for o in outcomes}
    assert results["generate"] == "pass" and results["clone_round_trip"] == "n/a"
    assert "no model advertises the 'clone' capability among --model tone/preset" in text
    assert outcomes.not_exercised == ["tone/clone (not chosen with --model)"]
    args = ["--url", served.url, "--token", served.token]
    assert conformance_main([*args, "--model", "tone/clone"]) == 0
    assert "tone/preset (not chosen with --model)" in capsys.readouterr().out
    assert conformance_main([*args, "--model", "tone/huge"]) == 1
    assert "no such model (tone/clone, tone/preset)" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        conformance_main([*args, "--model", "tone"])
    assert "expected ENGINE/SIZE" in capsys.readouterr().err


def test_reproducible_models_get_the_seed(served: Served) -> None:
    target = Target(served.url, served.token)
    try:
        body, model = target.speakable(*target.model_with("clone"))
        assert model.capabilities.reproducible and body["seed"] == 1234
        body, model = target.speakable(*target.model_with("preset"))
        assert not model.capabilities.reproducible and "seed" not in body
    finally:
        target.close()
