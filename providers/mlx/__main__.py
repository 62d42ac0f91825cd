"""Entry point: `tts-provider-mlx` or `python -m providers.mlx`."""

import multiprocessing
import sys


def main() -> int:
    multiprocessing.freeze_support()
    from provider_sdk.launch import run_provider
    from providers.mlx import SPEC

    return run_provider(SPEC)


if __name__ == "__main__":
    sys.exit(main())
