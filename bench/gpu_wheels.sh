#!/usr/bin/env bash
# The wheels bench/gpu_run.sh installs on a GPU machine without network (Python 3.12, x86-64):
# qwen-tts and the versions our environment pins for it, plus what the machine's image lacks.
# Run from the repository root on a machine with PyPI; writes .whl-qwen/ (git-ignored).
set -eu
cd "$(dirname "$0")/.."
mkdir -p .whl-qwen
for pkg in transformers==4.57.3 tokenizers==0.22.2 huggingface_hub==0.36.2 qwen-tts==0.1.1 \
    accelerate==1.12.0 pydantic==2.14.4 pydantic_core==2.50.5 annotated-types==0.8.0 \
    typing-inspection==0.4.5 librosa==0.11.0 soundfile==0.14.0 soxr==1.1.0 pooch==1.9.0 \
    platformdirs==4.14.8 decorator==5.3.1 audioread==3.1.0 cffi==2.1.1 pycparser==3.12; do
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
        --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl-qwen "$pkg"
done
du -sh .whl-qwen
