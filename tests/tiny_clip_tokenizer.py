"""CLIP's byte-level BPE tokenizer for the tests' tiny random-weight models (OWLv2, SAM 3), built in memory with
no vocabulary file: the 256 byte symbols (each alone and as a word end) and no merges, so every character is a
token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TinyClipTokenizer:
    tokenizer: Any
    vocab_size: int
    start: int
    """``<|startoftext|>``'s id (the text model's ``bos_token_id``)."""
    end: int
    """``<|endoftext|>``'s id (its ``eos_token_id`` and ``pad_token_id``)."""


def tiny_clip_tokenizer(max_length: int) -> TinyClipTokenizer:
    from tokenizers import pre_tokenizers
    from transformers import CLIPTokenizer

    vocab: dict[str, int] = {}
    for symbol in sorted(pre_tokenizers.ByteLevel.alphabet()):
        vocab.setdefault(symbol, len(vocab))
        vocab.setdefault(symbol + "</w>", len(vocab))
    start, end = vocab.setdefault("<|startoftext|>", len(vocab)), vocab.setdefault("<|endoftext|>", len(vocab))
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[], model_max_length=max_length)
    return TinyClipTokenizer(tokenizer, len(vocab), start, end)
