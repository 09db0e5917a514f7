"""Pretrained weights: cache, checksum, and the offline message. The network cannot exist here, so the
URL opener is replaced by one that serves bytes from memory or fails like a machine without network."""

from __future__ import annotations

import hashlib
import io
import urllib.error

import pytest

from seglab.models import WeightsUnavailableError, architecture, published_weights, resolve_weights
from seglab.models.weights import download


class _Response(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}


def _serving(data: bytes):
    return lambda url, timeout: _Response(data)


def _offline(url, timeout):
    raise urllib.error.URLError("[Errno -2] Name or service not known")


def test_registry_knows_every_architecture():
    for name in ("rfdetr-seg-nano", "rfdetr-seg-small", "rfdetr-seg-medium", "rfdetr-seg-large"):
        source = published_weights(architecture(name))
        assert source.url.startswith("https://")


def test_offline_failure_says_what_to_do(tmp_path):
    with pytest.raises(WeightsUnavailableError) as raised:
        resolve_weights(architecture("rfdetr-seg-nano"), cache_dir=tmp_path, opener=_offline)
    message = str(raised.value)
    assert "--weights PATH" in message
    assert "--from-scratch" in message
    # the Train page's words come first (most runs that meet this were started there)
    assert message.index("tick 'Start from random weights'") < message.index("--weights PATH")
    assert str(tmp_path / "rf-detr-seg-nano.pt") in message
    assert list(tmp_path.iterdir()) == []  # no partial file left


def test_download_checks_md5_and_is_atomic(tmp_path):
    data = b"weights" * 1000
    good = hashlib.md5(data, usedforsecurity=False).hexdigest()
    target = download("https://example.invalid/w.pth", tmp_path / "w.pth", good, opener=_serving(data))
    assert target.read_bytes() == data
    with pytest.raises(WeightsUnavailableError, match="MD5 does not match"):
        download("https://example.invalid/w.pth", tmp_path / "bad.pth", "0" * 32, opener=_serving(data))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.pth"]


def test_cached_weights_are_used_without_network(tmp_path, monkeypatch):
    arch = architecture("rfdetr-seg-nano")
    data = b"cached weights"
    (tmp_path / arch.weights_file).write_bytes(data)
    from seglab.models import weights as module

    monkeypatch.setattr(
        module,
        "published_weights",
        lambda a: module.WeightsSource("https://example.invalid", hashlib.md5(data, usedforsecurity=False).hexdigest()),
    )
    assert resolve_weights(arch, cache_dir=tmp_path, opener=_offline) == tmp_path / arch.weights_file


def test_explicit_weights_and_from_scratch(tmp_path):
    arch = architecture("rfdetr-seg-nano")
    assert resolve_weights(arch, cache_dir=tmp_path, from_scratch=True) is None
    with pytest.raises(WeightsUnavailableError, match="does not exist"):
        resolve_weights(arch, cache_dir=tmp_path, weights=tmp_path / "missing.pth")
    mine = tmp_path / "mine.pth"
    mine.write_bytes(b"x")
    assert resolve_weights(arch, cache_dir=tmp_path, weights=mine) == mine


def test_unknown_architecture():
    from seglab.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="unknown model 'yolo'"):
        architecture("yolo")
