"""`python -m provider_sdk.conformance --url URL --token TOKEN [--model ENGINE/SIZE]`: exits 1
when a check fails."""

from __future__ import annotations

import argparse
import os
import sys

from provider_sdk.conformance.runner import report, run_conformance
from provider_sdk.conformance.target import parse_model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a TTS provider against spec v1.")
    parser.add_argument("--url", required=True, help="the provider's base URL")
    parser.add_argument(
        "--token",
        default=os.environ.get("VOICEBOX_PROVIDER_TOKEN"),
        help="bearer token (default: $VOICEBOX_PROVIDER_TOKEN)",
    )
    parser.add_argument(
        "--model",
        metavar="ENGINE/SIZE",
        help="exercise only this model (default: every model the provider has on disk)",
    )
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("--token is required (or set VOICEBOX_PROVIDER_TOKEN)")
    if args.model:
        try:
            parse_model(args.model)
        except ValueError as exc:
            parser.error(str(exc))
    outcomes = run_conformance(args.url, args.token, model=args.model)
    print(report(outcomes))
    return 1 if any(o.result == "fail" for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
