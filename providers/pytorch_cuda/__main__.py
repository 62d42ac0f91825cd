"""Entry point: `tts-provider-pytorch-cuda` or `python -m providers.pytorch_cuda`."""

import multiprocessing
import sys


def main() -> int:
    multiprocessing.freeze_support()
    from provider_sdk.launch import run_provider
    from providers.pytorch_cuda import SPEC

    return run_provider(SPEC)


if __name__ == "__main__":
    sys.exit(main())
