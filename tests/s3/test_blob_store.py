"""The S3 blob store against a real S3 protocol server (moto's, tests/s3/conftest.py): the same contract as the local
store (content addressing, whole objects or nothing), its file cache, and ``seglab gc`` / ``seglab doctor``."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import time

import pytest

from seglab.errors import NotFoundError, UnavailableError
from seglab.services import images, projects
from seglab.services.blob_gc import collect_garbage
from seglab.services.doctor import diagnose
from seglab.store import Workspace
from seglab.store.s3_blobs import BlobCache, S3BlobStore

from .conftest import keys, s3_client

pytestmark = pytest.mark.xdist_group("s3")

_PART = 5 * 2**20  # S3's smallest multipart part


def _store(bucket: str, endpoint: str, **options) -> S3BlobStore:
    return S3BlobStore(
        bucket, "data", endpoint_url=endpoint, multipart_threshold=_PART, multipart_chunksize=_PART, **options
    )


def test_put_read_stat_list_delete_by_content_hash(bucket, s3_endpoint, tmp_path):
    store = _store(bucket, s3_endpoint, cache=BlobCache(tmp_path / "cache", 2**30))
    small = store.put_bytes(b"a small blob")
    assert small == hashlib.sha256(b"a small blob").hexdigest()
    assert store.put_bytes(b"a small blob") == small  # stored once, its time refreshed (put again: one request)
    assert "stored" in s3_client(s3_endpoint).head_object(Bucket=bucket, Key=store.key(small))["Metadata"]
    big_file = tmp_path / "big.bin"
    big_file.write_bytes(os.urandom(2 * _PART + 123))  # three parts
    big = store.put_file(big_file)
    assert big == hashlib.sha256(big_file.read_bytes()).hexdigest()

    assert sorted(keys(s3_endpoint, bucket)) == sorted(f"data/{d[:2]}/{d[2:4]}/{d}" for d in (small, big))
    assert store.exists(small)
    assert store.read(small) == b"a small blob"
    assert b"".join(store.stream(big)) == big_file.read_bytes()
    assert store.head_bytes(big, 10) == big_file.read_bytes()[:10]
    stat = store.stat(big)
    assert stat is not None
    assert stat.size == big_file.stat().st_size
    assert abs(stat.modified - time.time()) < 60
    assert {(b.digest, b.size) for b in store.blobs()} == {(small, 12), (big, big_file.stat().st_size)}

    local = store.local_path(big)  # a file for the code that needs one, from the cache
    assert local.read_bytes() == big_file.read_bytes()
    assert local.is_relative_to(tmp_path / "cache")

    store.delete(big)
    assert not store.exists(big)
    assert store.stat(big) is None
    assert not local.exists()  # the cached copy went with it
    with pytest.raises(NotFoundError, match=big):
        store.local_path(big)
    with pytest.raises(NotFoundError, match=big):
        store.read(big)
    assert [b.digest for b in store.blobs()] == [small]


class _BreaksMidway(io.RawIOBase):
    """A source that fails after ``good`` bytes, as a disk or a network read might."""

    def __init__(self, good: int) -> None:
        self.left = good

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.left <= 0:
            raise OSError("the source failed midway")
        count = min(len(buffer), self.left)
        buffer[:count] = b"x" * count
        self.left -= count
        return count


@pytest.mark.parametrize("good", [_PART // 2, 2 * _PART + 1], ids=["single-put", "multipart"])
def test_an_upload_that_fails_midway_leaves_nothing(bucket, s3_endpoint, good):
    store = _store(bucket, s3_endpoint)
    digest = hashlib.sha256(b"what it would have been").hexdigest()
    with pytest.raises(OSError, match="midway"):
        store.upload(digest, io.BufferedReader(_BreaksMidway(good)))
    assert not store.exists(digest)
    assert keys(s3_endpoint, bucket) == []
    assert list(store.leftovers()) == []  # a failed multipart upload is aborted, its parts freed


def test_the_file_cache_stays_within_its_budget(bucket, s3_endpoint, tmp_path):
    cache = BlobCache(tmp_path / "cache", 250, min_age=0)
    worker = BlobCache(tmp_path / "cache", 250, min_age=0)  # another process sharing the folder
    store = _store(bucket, s3_endpoint, cache=cache)
    digests = [store.put_bytes(bytes([n]) * 100) for n in range(3)]
    for digest in digests:
        store.local_path(digest)
    assert cache.total_bytes <= 250
    assert not cache.path(digests[0]).exists()  # least recently used: gone
    assert worker.get(digests[0]) is None
    assert worker.get(digests[2]) == cache.path(digests[2])  # filled by the other: used as it is
    assert cache.path(digests[2]).read_bytes() == bytes([2]) * 100
    assert store.local_path(digests[0]).read_bytes() == bytes([0]) * 100  # fetched again when asked for
    again = BlobCache(tmp_path / "cache", 250, min_age=0)  # a new process finds what is on disk
    assert again.total_bytes == cache.total_bytes

    held = BlobCache(tmp_path / "held", 150)  # default: files used in the last minutes are kept
    store = _store(bucket, s3_endpoint, cache=held)
    paths = [store.local_path(digest) for digest in digests]
    assert all(path.exists() for path in paths)


@pytest.mark.slow
def test_gc_and_doctor_see_the_bucket(bucket, s3_endpoint, ws: Workspace, coco_export):
    from seglab.services import transfer

    transfer.import_dataset(ws, coco_export, "pets", create_project=True)
    assert isinstance(ws.blobs, S3BlobStore)
    kept = {record.sha256 for record in images.list_images(ws, "pets")[0]}
    orphan = ws.blobs.put_bytes(b"named by no row")
    assert collect_garbage(ws, grace_minutes=60).recent == 1  # just stored: left alone

    unfinished = s3_client(s3_endpoint).create_multipart_upload(Bucket=bucket, Key="blobs/ab/cd/crashed")
    report = diagnose(ws, min_age=0)
    assert {f.check for f in report.findings} == {"orphan blobs", "leftover file"}
    assert unfinished["UploadId"] in "\n".join(f.message for f in report.findings)

    env = {**os.environ}
    gc = subprocess.run(
        [sys.executable, "-m", "seglab", "gc", "--apply", "--grace", "0", "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert gc.returncode == 0, gc.stderr
    assert json.loads(gc.stdout)["digests"] == [orphan]
    assert not ws.blobs.exists(orphan)
    assert {b.digest for b in ws.blobs.blobs()} == kept

    doctor = [sys.executable, "-m", "seglab", "doctor", "--json", "--min-age", "0"]
    repaired = subprocess.run([*doctor, "--repair"], capture_output=True, text=True, env=env)
    assert json.loads(repaired.stdout)["findings"][0]["repaired"] is True, repaired.stdout
    assert s3_client(s3_endpoint).list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []

    record = images.list_images(ws, "pets")[0][0]
    s3_client(s3_endpoint).put_object(Bucket=bucket, Key=ws.blobs.key(record.sha256), Body=b"not the image")
    damaged = diagnose(ws, min_age=0)  # hashed as the bucket holds it, not as the local cache may
    assert [f.check for f in damaged.findings] == ["corrupt blob"]
    assert record.sha256 in damaged.findings[0].message
    assert projects.list_projects(ws)  # the database was never touched


def test_a_bucket_that_is_not_there_is_a_clear_error(s3_endpoint, bucket):
    store = _store(f"{bucket}-missing", s3_endpoint)
    with pytest.raises(UnavailableError, match=rf"s3://{bucket}-missing/data.* answered NoSuchBucket"):
        store.put_bytes(b"anything")
    with pytest.raises(UnavailableError, match="NoSuchBucket"):
        list(store.blobs())
