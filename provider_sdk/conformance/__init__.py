"""Conformance suite for the provider spec: run it against any provider, local or remote.

    python -m provider_sdk.conformance --url http://127.0.0.1:8100 --token TOKEN

or from pytest, one test per check::

    @pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
    def test_conformance(check, target): check.run(target)
"""

from provider_sdk.conformance.checks import CHECKS, Check
from provider_sdk.conformance.runner import Outcome, Outcomes, report, run_check, run_conformance
from provider_sdk.conformance.target import CheckFailed, NotApplicable, Target

__all__ = [
    "CHECKS",
    "Check",
    "CheckFailed",
    "NotApplicable",
    "Outcome",
    "Outcomes",
    "Target",
    "report",
    "run_check",
    "run_conformance",
]
