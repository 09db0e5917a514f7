"""moto's standalone S3 server (``python -m moto.server``) on a loopback port, and a boto3 client of it: started by
the object storage tests (tests/s3/conftest.py) and by ``benchmarks/large_project.py``. No pytest here, so a
benchmark can use it as it is."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..serve_process import wait_until_answering

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "seglab-tests",
    "AWS_SECRET_ACCESS_KEY": "seglab-tests-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}
"""Made up: moto accepts any; set so that nothing started here can reach a real account's credentials."""


class MotoNotStartedError(RuntimeError):
    """moto's server exited or did not answer in time; the message ends with its log."""


@contextmanager
def running_moto(port: int, log: Path, timeout: float = 60) -> Iterator[str]:
    """moto's S3 server on ``127.0.0.1:port`` (output to ``log``, the caller's ``AWS_*`` variables replaced by
    :data:`CREDENTIALS`) until the block ends; yields its URL once it answers."""
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
            if not wait_until_answering(process, f"{url}/moto-api/", time.monotonic() + timeout, interval=0.1):
                raise MotoNotStartedError(f"moto's S3 server did not come up:\n{log.read_text()}")
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


@functools.lru_cache
def s3_client(endpoint: str) -> Any:
    """A boto3 client of the server at ``endpoint`` (path-style addressing, as moto serves buckets)."""
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
