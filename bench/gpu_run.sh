#!/usr/bin/env bash
# Qwen3-TTS on an NVIDIA GPU, in one command (H100/H200 machine with Python 3.12 and a CUDA
# torch, no network; about 5 minutes):
#
#     bash bench/gpu_run.sh
#
# Installs the wheels carried in .whl-qwen/ (made by bench/gpu_wheels.sh on a machine with
# PyPI: qwen-tts 0.1.1 and the transformers 4.57.3 it pins, pydantic, librosa, ...) into
# /tmp/site, ahead of the machine's own packages, then runs bench/qwen_speed.py on the GPU with
# random weights of the full architectures: 0.6B (bound, loop RTF with and without CUDA graphs,
# streaming RTF, first audio, 1/4/16 concurrent streams) and 1.7B (loop RTF, first audio).
# Overrides for a dry run elsewhere: PY (interpreter), DEVICE, SMALL (a model size used for
# both runs), FRAMES (per sentence), SKIP_INSTALL=1.
set -u
cd "$(dirname "$0")/.."
PY=${PY:-python3}
DEVICE=${DEVICE:-cuda}
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl-qwen/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD
fi
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
"$PY" -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__, 'cuda', torch.cuda.is_available())"
quiet() { grep -v -E "flash-attn|^\*+$|^ $|pad_token_id|generation flags"; }
echo "== 0.6B =="
timeout 170 "$PY" bench/qwen_speed.py --random-weights "${SMALL:-0.6B}" --frames "${FRAMES:-75}" --runs 3 \
    --device "$DEVICE" --streams 1,4,16 --eager-too 2>&1 | quiet
echo "== 1.7B =="
timeout 130 "$PY" bench/qwen_speed.py --random-weights "${SMALL:-1.7B}" --frames "${FRAMES:-75}" --runs 1 \
    --device "$DEVICE" --streams 16 2>&1 | quiet
