"""Runs the checks against a target and reports."""

from __future__ import annotations

import time
from dataclasses import dataclass

from provider_sdk.conformance.checks import CHECKS, Check
from provider_sdk.conformance.target import NotApplicable, Target


@dataclass(frozen=True)
class Outcome:
    check: str
    result: str  # "pass" | "fail" | "n/a"
    detail: str
    seconds: float


def run_check(check: Check, target: Target) -> Outcome:
    started = time.perf_counter()
    try:
        check.run(target)
    except NotApplicable as exc:
        return Outcome(check.name, "n/a", str(exc), time.perf_counter() - started)
    except Exception as exc:  # a broken provider can fail in any way; report, never crash
        detail = str(exc) or type(exc).__name__
        return Outcome(check.name, "fail", detail, time.perf_counter() - started)
    return Outcome(check.name, "pass", "", time.perf_counter() - started)


class Outcomes(list[Outcome]):
    """The outcome of each check, and the models no check exercised (with why)."""

    def __init__(self, outcomes: list[Outcome], not_exercised: list[str]) -> None:
        super().__init__(outcomes)
        self.not_exercised = not_exercised


def run_conformance(
    url: str, token: str, *, model: str | None = None, seed: int | None = 1234
) -> Outcomes:
    """Every check against the provider at `url`; `model` (`ENGINE/SIZE`) limits the checks
    that need a model to that one. A check whose model is not on the machine is not
    applicable, with the reason, never a failure."""
    target = Target(url, token, model=model, seed=seed)
    try:
        outcomes = [run_check(check, target) for check in CHECKS]
        try:
            skipped = target.not_exercised()
        except Exception:  # describe failed: that check already says so
            skipped = []
        return Outcomes(outcomes, skipped)
    finally:
        target.close()


def report(outcomes: list[Outcome]) -> str:
    """One line per check, what was not exercised, and the counts."""
    lines = []
    for outcome in outcomes:
        mark = {"pass": "PASS", "fail": "FAIL", "n/a": "N/A "}[outcome.result]
        line = f"{mark}  {outcome.check:<32} {outcome.seconds:6.2f}s"
        if outcome.result == "n/a":
            line += f"  not applicable: {outcome.detail}"
        elif outcome.detail:
            line += f"  {outcome.detail}"
        lines.append(line)
    skipped = getattr(outcomes, "not_exercised", [])
    if skipped:
        lines.append(f"not exercised: {', '.join(skipped)}")
    counts = {k: sum(o.result == k for o in outcomes) for k in ("pass", "fail", "n/a")}
    lines.append(
        f"{counts['pass']} passed, {counts['fail']} failed, {counts['n/a']} not applicable"
    )
    return "\n".join(lines)
