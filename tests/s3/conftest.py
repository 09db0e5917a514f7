"""A local S3-compatible server for the object storage tests: moto's standalone server (``python -m moto.server``)
on a loopback port, one per test worker, and a new bucket for each test.

MinIO's binary cannot be installed here; moto's server speaks the S3 protocol over HTTP (signatures, multipart
uploads, ranged GETs, presigned URLs), so seglab's boto3 client talks to it exactly as to a bucket elsewhere. It
does not verify ``x-amz-checksum-sha256`` as AWS does; nothing here relies on that.
"""

from __future__ import annotations

import functools
import itertools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..server.conftest import free_port

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "seglab-tests",
    "AWS_SECRET_ACCESS_KEY": "seglab-tests-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}
"""Made up: moto accepts any; set so that no test can reach a real account's credentials."""

_buckets = itertools.count(1)


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The moto server's URL (``http://127.0.0.1:PORT``), started once per test worker."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**environment, **CREDENTIALS},
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{url}/moto-api/", timeout=1)
                    break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto's S3 server did not come up:\n{log.read_text()}")
                time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


@functools.lru_cache
def s3_client(endpoint: str) -> Any:
    """A boto3 client of the test server, for what the tests check behind seglab's back."""
    import boto3
    import botocore.config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
        config=botocore.config.Config(s3={"addressing_style": "path"}),
    )


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
