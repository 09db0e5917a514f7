"""A local S3-compatible server for the object storage tests: moto's standalone server (``python -m moto.server``)
on a loopback port, one per test worker, and a new bucket for each test.

MinIO's binary cannot be installed here; moto's server speaks the S3 protocol over HTTP (signatures, multipart
uploads, ranged GETs, presigned URLs), so seglab's boto3 client talks to it exactly as to a bucket elsewhere. It
does not verify ``x-amz-checksum-sha256`` as AWS does; nothing here relies on that.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..serve_process import free_port
from .moto_server import CREDENTIALS, MotoNotStartedError, running_moto, s3_client

_buckets = itertools.count(1)


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The moto server's URL (``http://127.0.0.1:PORT``), started once per test worker."""
    try:
        with running_moto(free_port(), tmp_path_factory.mktemp("moto") / "moto.log") as url:
            yield url
    except MotoNotStartedError as failed:
        pytest.fail(str(failed))


@pytest.fixture
def bucket(s3_endpoint: str, seglab_home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new, empty bucket; the test's environment (and so its ``seglab`` subprocesses) has the credentials, and
    ``SEGLAB_BLOB_URL`` points at ``s3://BUCKET/blobs`` on the test server."""
    for variable in [name for name in os.environ if name.startswith("AWS_")]:
        monkeypatch.delenv(variable)
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    name = f"seglab-test-{os.getpid()}-{next(_buckets)}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    monkeypatch.setenv("SEGLAB_BLOB_URL", f"s3://{name}/blobs?endpoint_url={s3_endpoint}")
    return name


def keys(endpoint: str, bucket: str) -> list[str]:
    """Every object key in the bucket."""
    pages = s3_client(endpoint).get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]
