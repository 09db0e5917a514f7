import hashlib

import pytest

from seglab.errors import InvalidInputError, NotFoundError
from seglab.store import LocalBlobStore, open_blob_store


def test_content_addressed_and_stored_once(tmp_path):
    store = LocalBlobStore(tmp_path / "blobs")
    digest = store.put_bytes(b"pixels")
    assert digest == hashlib.sha256(b"pixels").hexdigest()
    assert store.put_bytes(b"pixels") == digest
    source = tmp_path / "a.jpg"
    source.write_bytes(b"pixels")
    assert store.put_file(source) == digest
    files = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert files == [store.local_path(digest)]
    assert store.read(digest) == b"pixels"


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    store = LocalBlobStore(tmp_path / "blobs")

    def failing_fsync(fd):
        raise OSError("disk vanished")  # the crash point: bytes written, not yet durable

    monkeypatch.setattr("seglab.store.blobs.os.fsync", failing_fsync)
    with pytest.raises(OSError, match="disk vanished"):
        store.put_bytes(b"half an image")
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []
    assert not store.exists(hashlib.sha256(b"half an image").hexdigest())


def test_missing_and_malformed_digests(tmp_path):
    store = LocalBlobStore(tmp_path)
    with pytest.raises(NotFoundError, match="is not in the store"):
        store.local_path("0" * 64)
    with pytest.raises(InvalidInputError, match="not a sha256"):
        store.local_path("../../etc/passwd")


def test_blob_urls(tmp_path):
    assert isinstance(open_blob_store((tmp_path / "b").as_uri()), LocalBlobStore)
    assert isinstance(open_blob_store(str(tmp_path / "c")), LocalBlobStore)
    assert repr(open_blob_store("s3://bucket/prefix")) == "S3BlobStore(s3://bucket/prefix)"  # tests/s3 use one
    with pytest.raises(InvalidInputError, match="'gs' is not supported"):
        open_blob_store("gs://bucket/prefix")
    with pytest.raises(InvalidInputError, match="unknown option"):
        open_blob_store("s3://bucket/prefix?endpoint=http://x")
