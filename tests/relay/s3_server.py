"""A real S3 API server (moto's) on 127.0.0.1 for the tests, in its own process.

Run as `python -m tests.relay.s3_server`: it prints the address it listens on
and serves until its stdin closes, so it cannot outlive the test run that
started it. Buckets live in that process's memory only.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

STARTUP_TIMEOUT_S = 30.0
READY = "S3 listening on "
# What moto accepts; the relay processes and the tests' own clients find them in the environment.
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    def client(self) -> Any:
        return boto3.session.Session(
            aws_access_key_id=S3_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_ENV["AWS_SECRET_ACCESS_KEY"],
            region_name=S3_ENV["AWS_DEFAULT_REGION"],
        ).client("s3", endpoint_url=self.endpoint)

    def new_bucket(self, label: str) -> str:
        name = f"{label}-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        )
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def read(self, bucket: str, key: str) -> bytes:
        return bytes(self.client().get_object(Bucket=bucket, Key=key)["Body"].read())


@contextmanager
def s3_server(log: Path) -> Iterator[S3Server]:
    """Start moto's server on a free port; on exit its stdin is closed (killed if it lingers)."""
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.relay.s3_server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log_file,
            cwd=Path(__file__).resolve().parents[2],
            env={**os.environ, **S3_ENV},
        )
        stdin, stdout = proc.stdin, proc.stdout
        assert stdin is not None and stdout is not None
        try:
            ready, _, _ = select.select([stdout], [], [], STARTUP_TIMEOUT_S)
            line = stdout.readline().decode() if ready else ""
            if not line.startswith(READY):
                raise RuntimeError(f"moto did not start: {line!r}\n{log.read_text()}")
            yield S3Server(line.removeprefix(READY).strip())
        finally:
            stdin.close()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            stdout.close()


def main() -> None:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"{READY}http://{host}:{port}", flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
