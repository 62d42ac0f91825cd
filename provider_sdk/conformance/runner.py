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


def run_conformance(url: str, token: str) -> list[Outcome]:
    target = Target(url, token)
    try:
        return [run_check(check, target) for check in CHECKS]
    finally:
        target.close()


def report(outcomes: list[Outcome]) -> str:
    lines = []
    for outcome in outcomes:
        mark = {"pass": "PASS", "fail": "FAIL", "n/a": "N/A "}[outcome.result]
        line = f"{mark}  {outcome.check:<32} {outcome.seconds:6.2f}s"
        if outcome.detail:
            line += f"  {outcome.detail}"
        lines.append(line)
    counts = {k: sum(o.result == k for o in outcomes) for k in ("pass", "fail", "n/a")}
    lines.append(
        f"{counts['pass']} passed, {counts['fail']} failed, {counts['n/a']} not applicable"
    )
    return "\n".join(lines)
