"""Build a Qwen3-TTS model folder with random weights, loadable by `Qwen3TTSModel.from_pretrained`.

No Qwen3-TTS weights can be downloaded on machines without hub access, so tests and the
benchmark build one: `size="tiny"` for tests (a few MB, runs the whole real code path on a CPU
in seconds), `"0.6B"` / `"1.7B"` for the full-size architecture, whose speed does not depend on
the weights' values. Output is noise; only plumbing and speed are meaningful.

The constraints such a folder must meet are listed in ../shared/OFFLINE-MODELS.md; each is
noted where it is met below. Heavy imports happen inside `build_random_model` only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

ModelType = Literal["base", "custom_voice", "voice_design"]
Size = Literal["tiny", "tiny-mlx", "0.6B", "1.7B"]

LANGUAGES = (
    "chinese",
    "english",
    "german",
    "italian",
    "portuguese",
    "spanish",
    "japanese",
    "korean",
    "french",
    "russian",
)
SPEAKERS = (
    "vivian",
    "serena",
    "uncle_fu",
    "dylan",
    "eric",
    "ryan",
    "aiden",
    "ono_anna",
    "sohee",
)

# Text-side special ids; they index the talker's text embedding, so they must be < its vocab.
_TEXT_SPECIALS = {"<|im_start|>": 0, "<|im_end|>": 1, "assistant": 2, "user": 3}


def _codec_ids(codebook_size: int) -> dict[str, Any]:
    """Codec special ids; the codec vocabulary is codebook + 1024, every id inside it."""
    base = codebook_size
    return {
        "vocab_size": codebook_size + 1024,
        "codec_pad_id": base + 4,
        "codec_bos_id": base + 5,
        "codec_eos_token_id": base + 6,
        "codec_think_id": base + 10,
        "codec_nothink_id": base + 11,
        "codec_think_bos_id": base + 12,
        "codec_think_eos_id": base + 13,
        "codec_language_id": {lang: base + 50 + i for i, lang in enumerate(LANGUAGES)},
        "spk_id": {spk: base + 100 + i for i, spk in enumerate(SPEAKERS)},
        "spk_is_dialect": dict.fromkeys(SPEAKERS, False),
    }


def _dims(size: Size) -> dict[str, int]:
    if size == "tiny-mlx":
        # mlx_audio converts PyTorch conv weights by guessing their layout from the shape
        # (`check_array_shape_qwen3`): channels feeding 1x1 convs must be > 64 to be unambiguous.
        return {
            **_dims("tiny"),
            "spk_channels": 80,
            "spk_att": 72,
            "dec_dim": 1040,
            "enc_filters": 72,
            "dec_latent": 72,
            "codebook_dim": 144,
        }
    if size == "tiny":
        return dict(
            hidden=32,
            inter=64,
            layers=1,
            heads=2,
            kv=1,
            head_dim=16,
            text_hidden=32,
            text_vocab=512,
            cp_hidden=32,
            cp_inter=64,
            cp_layers=1,
            groups=4,
            codebook=64,
            dec_hidden=32,
            dec_latent=32,
            dec_inter=64,
            dec_layers=1,
            dec_heads=2,
            dec_dim=32,
            codebook_dim=16,
            enc_hidden=32,
            enc_filters=4,
            enc_layers=1,
            enc_heads=2,
            spk_channels=16,
            enc_vq=16,
            spk_att=8,
        )
    hidden, inter = (1024, 3072) if size == "0.6B" else (2048, 6144)
    return dict(
        hidden=hidden,
        inter=inter,
        layers=28,
        heads=16,
        kv=8,
        head_dim=128,
        text_hidden=2048,
        text_vocab=151936,
        cp_hidden=1024,
        cp_inter=3072,
        cp_layers=5,
        groups=16,
        codebook=2048,
        dec_hidden=512,
        dec_latent=1024,
        dec_inter=1024,
        dec_layers=8,
        dec_heads=16,
        dec_dim=1536,
        codebook_dim=512,
        enc_hidden=512,
        enc_filters=64,
        enc_layers=8,
        enc_heads=8,
        spk_channels=512,
        enc_vq=256,
        spk_att=128,
    )


def _config(size: Size, model_type: ModelType, tts_model_size: str | None) -> dict[str, Any]:
    d = _dims(size)
    # mrope_section must sum to head_dim / 2; `interleaved` is read by the talker's rotary code.
    half = d["head_dim"] // 2
    mrope = [half - 2 * (half // 3), half // 3, half // 3]
    talker = {
        **_codec_ids(d["codebook"]),
        "hidden_size": d["hidden"],
        "intermediate_size": d["inter"],
        "num_hidden_layers": d["layers"],
        "num_attention_heads": d["heads"],
        "num_key_value_heads": d["kv"],
        "head_dim": d["head_dim"],
        "text_hidden_size": d["text_hidden"],
        "text_vocab_size": d["text_vocab"],
        "num_code_groups": d["groups"],
        "rope_theta": 1_000_000,
        "rope_scaling": {"rope_type": "default", "mrope_section": mrope, "interleaved": True},
        "max_position_embeddings": 32768,
        "code_predictor_config": {
            "vocab_size": d["codebook"],
            "hidden_size": d["cp_hidden"],
            "intermediate_size": d["cp_inter"],
            "num_hidden_layers": d["cp_layers"],
            "num_attention_heads": d["heads"],
            "num_key_value_heads": d["kv"],
            "head_dim": d["head_dim"],
            "num_code_groups": d["groups"],
            "max_position_embeddings": 65536,
        },
    }
    text_vocab = d["text_vocab"]
    return {
        "model_type": "qwen3_tts",
        "architectures": ["Qwen3TTSForConditionalGeneration"],
        "tokenizer_type": "qwen3_tts_tokenizer_12hz",
        "tts_model_size": tts_model_size or ("1b7" if size == "1.7B" else "0b6"),
        "tts_model_type": model_type,
        "im_start_token_id": _TEXT_SPECIALS["<|im_start|>"],
        "im_end_token_id": _TEXT_SPECIALS["<|im_end|>"],
        "tts_pad_token_id": text_vocab - 3,
        "tts_bos_token_id": text_vocab - 2,
        "tts_eos_token_id": text_vocab - 1,
        "talker_config": talker,
        # enc_dim must equal the talker hidden size (the x-vector is a talker input); mel_dim 128.
        "speaker_encoder_config": {
            "mel_dim": 128,
            "enc_dim": d["hidden"],
            "enc_channels": [d["spk_channels"]] * 4 + [3 * d["spk_channels"]],
            "enc_attention_channels": d["spk_att"],
            "enc_se_channels": d["spk_att"],
            "sample_rate": 24000,
        },
    }


def _tokenizer_config(size: Size) -> dict[str, Any]:
    d = _dims(size)
    # Encoder: a Mimi model at 12.5 frames/s over 24 kHz (upsampling_ratios [8, 6, 5, 4]).
    # Decoder: upsample_rates [8, 5, 4, 3] x upsampling_ratios [2, 2] = the 1920-sample hop.
    # Code groups = decoder quantizers = encoder valid quantizers; codebook_dim is required.
    return {
        "model_type": "qwen3_tts_tokenizer_12hz",
        "architectures": ["Qwen3TTSTokenizerV2Model"],
        "encoder_valid_num_quantizers": d["groups"],
        "input_sample_rate": 24000,
        "output_sample_rate": 24000,
        "decode_upsample_rate": 1920,
        "encode_downsample_rate": 1920,
        "encoder_config": {
            "sampling_rate": 24000,
            "frame_rate": 12.5,
            "audio_channels": 1,
            "hidden_size": d["enc_hidden"],
            "num_filters": d["enc_filters"],
            "num_residual_layers": 1,
            "upsampling_ratios": [8, 6, 5, 4],
            "kernel_size": 7,
            "last_kernel_size": 3,
            "residual_kernel_size": 3,
            "dilation_growth_rate": 2,
            "compress": 2,
            "num_hidden_layers": d["enc_layers"],
            "num_attention_heads": d["enc_heads"],
            "num_key_value_heads": d["enc_heads"],
            "head_dim": d["enc_hidden"] // d["enc_heads"],
            "intermediate_size": 2 * d["enc_hidden"],
            "sliding_window": 250,
            "codebook_size": d["codebook"],
            "codebook_dim": d["enc_vq"],
            "vector_quantization_hidden_dimension": d["enc_vq"],
            "num_quantizers": max(d["groups"], 2),
            "num_semantic_quantizers": 1,
            "use_causal_conv": True,
            "upsample_groups": d["enc_hidden"],
        },
        "decoder_config": {
            "codebook_size": d["codebook"],
            "codebook_dim": d["codebook_dim"],
            "hidden_size": d["dec_hidden"],
            "latent_dim": d["dec_latent"],
            "num_attention_heads": d["dec_heads"],
            "num_key_value_heads": d["dec_heads"],
            "head_dim": d["dec_hidden"] // d["dec_heads"],
            "intermediate_size": d["dec_inter"],
            "num_hidden_layers": d["dec_layers"],
            "num_quantizers": d["groups"],
            "upsample_rates": [8, 5, 4, 3],
            "upsampling_ratios": [2, 2],
            "decoder_dim": d["dec_dim"],
            "sliding_window": 72,
        },
    }


def _save_text_tokenizer(dest: Path) -> None:
    """A byte-level Qwen2TokenizerFast whose chat markers are single tokens.

    `"<|im_start|>assistant\\n"` must be exactly 3 tokens and
    `"<|im_end|>\\n<|im_start|>assistant\\n"` exactly 5: the model slices prompts by position.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import Qwen2TokenizerFast

    byte_chars = pre_tokenizers.ByteLevel.alphabet()
    vocab = dict(_TEXT_SPECIALS)
    for char in sorted(byte_chars):
        vocab[char] = len(vocab)
    core = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    core.decoder = decoders.ByteLevel()
    tokenizer = Qwen2TokenizerFast(
        tokenizer_object=core,
        bos_token=None,
        eos_token="<|im_end|>",  # noqa: S106 - a token, not a password
        pad_token="<|im_end|>",  # noqa: S106
        unk_token=None,
        additional_special_tokens=["<|im_start|>", "<|im_end|>"],
    )
    tokenizer.add_tokens(["assistant", "user"])
    tokenizer.save_pretrained(str(dest))


def build_random_model(
    dest: str | Path,
    *,
    size: Size = "tiny",
    model_type: ModelType = "base",
    max_new_tokens: int = 24,
    seed: int = 0,
    tts_model_size: str | None = None,
) -> Path:
    """Write a loadable random-weight model folder at `dest` and return its path.

    `max_new_tokens` goes into `generation_config.json`: random weights rarely emit the stop
    code, so it bounds every generation (without it upstream runs 2048 steps).
    `tts_model_size` ("0b6" | "1b7") overrides the size label upstream reads (it drops
    `instruct` on "0b6" CustomVoice models).
    """
    import torch
    from transformers import EncodecFeatureExtractor

    from providers.engines.qwen_compat import import_qwen_tts

    import_qwen_tts()
    from qwen_tts.core import Qwen3TTSTokenizerV2Config, Qwen3TTSTokenizerV2Model
    from qwen_tts.core.models import Qwen3TTSConfig, Qwen3TTSForConditionalGeneration

    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    config_dict = _config(size, model_type, tts_model_size)
    config = Qwen3TTSConfig(**config_dict)
    model = Qwen3TTSForConditionalGeneration(config).to(torch.float32).eval()
    model.save_pretrained(str(dest), safe_serialization=True)

    # Round-trip quirk: save_pretrained writes speaker_encoder_config.model_type = "", which
    # the config class refuses on reload; drop the key. Keep the exact talker config we built.
    saved = json.loads((dest / "config.json").read_text())
    saved.get("speaker_encoder_config", {}).pop("model_type", None)
    (dest / "config.json").write_text(json.dumps(saved, indent=2))

    generation = {
        "do_sample": True,
        "top_k": 50,
        "top_p": 1.0,
        "temperature": 0.9,
        "repetition_penalty": 1.05,
        "subtalker_dosample": True,
        "subtalker_top_k": 50,
        "subtalker_top_p": 1.0,
        "subtalker_temperature": 0.9,
        "max_new_tokens": max_new_tokens,
    }
    (dest / "generation_config.json").write_text(json.dumps(generation, indent=2))
    _save_text_tokenizer(dest)

    speech_dir = dest / "speech_tokenizer"
    speech_dir.mkdir(exist_ok=True)
    tok_config = Qwen3TTSTokenizerV2Config(**_tokenizer_config(size))
    speech = Qwen3TTSTokenizerV2Model(tok_config).to(torch.float32).eval()
    # Codebooks start as all-zero sums, which makes the decoder output exact silence (and
    # every encoded frame code 0). Random codebooks give audible noise and varied codes.
    with torch.no_grad():
        for name, tensor in [*speech.named_parameters(), *speech.named_buffers()]:
            if name.endswith(("embedding_sum", "embed_sum")):
                tensor.normal_(0.0, 1.0)
        # The decoder's default init (std 0.02) shrinks the signal through its many layers to
        # ~1e-8; variance-preserving weights keep the noise audible, so trimming and
        # loudness checks behave as with real speech.
        for name, param in speech.decoder.named_parameters():
            if param.dim() > 1 and "quantizer" not in name:
                fan_in = param[0].numel()
                param.normal_(0.0, fan_in**-0.5)
    speech.save_pretrained(str(speech_dir), safe_serialization=True)
    EncodecFeatureExtractor(
        feature_size=1, sampling_rate=24000, padding_value=0.0, return_attention_mask=True
    ).save_pretrained(str(speech_dir))
    return dest
