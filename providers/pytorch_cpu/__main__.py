"""Entry point: `tts-provider-pytorch-cpu` or `python -m providers.pytorch_cpu`."""

import multiprocessing
import sys


def main() -> int:
    multiprocessing.freeze_support()
    from provider_sdk.launch import run_provider
    from providers.pytorch_cpu import SPEC

    return run_provider(SPEC)


if __name__ == "__main__":
    sys.exit(main())
