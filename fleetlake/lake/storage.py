"""The storage seam: a local directory or an ``s3://bucket/prefix`` on any S3-compatible endpoint.

Both expose the same few operations on keys relative to the lake root. Writes are atomic: a local
file is written beside its target and renamed into place; an S3 object appears when its upload
completes. Both also hand out a pyarrow filesystem, so datasets, DuckDB and polars read alike.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pyarrow.fs as pafs

from fleetlake.errors import StorageError, first_line


def is_s3_uri(uri: str) -> bool:
    """Whether a lake URI names S3 (``s3://bucket/prefix``) rather than a local directory."""
    return uri.startswith("s3://")


class Storage:
    """Keys are '/'-separated paths relative to the lake root."""

    uri: str
    filesystem: pafs.FileSystem
    local = False  # a directory on this machine's disk: DuckDB can read its files directly

    def path(self, key: str) -> str:
        """The path of ``key`` for ``self.filesystem``."""
        raise NotImplementedError

    def write_bytes(self, key: str, data: bytes) -> None:
        raise NotImplementedError

    def read_bytes(self, key: str) -> bytes:
        try:
            with self.filesystem.open_input_stream(self.path(key)) as stream:
                return stream.read()
        except FileNotFoundError:
            raise
        except OSError as e:
            raise StorageError(f"cannot read {self.uri}/{key}: {first_line(e)}") from e

    def read_many(self, keys: list[str]) -> list[bytes]:
        """Read several small objects concurrently (S3 round trips dominate)."""
        with ThreadPoolExecutor(max_workers=16) as pool:
            return list(pool.map(self.read_bytes, keys))

    def exists(self, key: str) -> bool:
        info = self.filesystem.get_file_info(self.path(key))
        return info.type == pafs.FileType.File

    def list(self, prefix: str) -> list[str]:
        """Keys of the files under ``prefix`` (recursive), sorted."""
        return sorted(self._file_infos(prefix))

    def stats(self, prefix: str) -> dict[str, tuple[int, ...]]:
        """What tells a file's versions apart, for every file under ``prefix`` (recursive), by
        key, from one listing and no file read: on S3 (a request per thousand objects) the size
        and modification time, which S3 keeps to the second."""
        return {key: (i.size, i.mtime_ns) for key, i in self._file_infos(prefix).items()}

    def _file_infos(self, prefix: str) -> dict[str, pafs.FileInfo]:
        selector = pafs.FileSelector(self.path(prefix), allow_not_found=True, recursive=True)
        try:
            infos = self.filesystem.get_file_info(selector)
        except OSError as e:
            raise StorageError(f"cannot list {self.uri}/{prefix}: {first_line(e)}") from e
        root = self.path("")
        return {i.path[len(root) :].lstrip("/"): i for i in infos if i.type == pafs.FileType.File}

    def delete(self, key: str) -> None:
        try:
            self.filesystem.delete_file(self.path(key))
        except FileNotFoundError:
            pass

    def check_writable(self) -> None:
        """Fail early, with one clear line, if the lake cannot be written."""
        key = f"_probe-{uuid.uuid4().hex}"
        self.write_bytes(key, b"")
        self.delete(key)


@dataclass
class LocalStorage(Storage):
    root: Path
    local = True

    def __post_init__(self) -> None:
        self.root = self.root.expanduser().absolute()
        self.uri = str(self.root)
        self.filesystem = pafs.LocalFileSystem()
        self._made: set[str] = set()  # directories known to exist (mkdir is costly per file)

    def path(self, key: str) -> str:
        return str(self.root / key) if key else str(self.root)

    def write_bytes(self, key: str, data: bytes) -> None:
        target = os.path.join(self.root, key)
        directory = os.path.dirname(target)
        temporary = os.path.join(directory, f".{os.path.basename(target)}.{os.getpid()}.tmp")
        try:
            if directory not in self._made:
                os.makedirs(directory, exist_ok=True)
                self._made.add(directory)
            # os.open/os.write: Python's buffered file object costs a quarter of a small write
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            try:
                view, written = memoryview(data), 0
                while written < len(view):
                    written += os.write(descriptor, view[written:])
            finally:
                os.close(descriptor)
            os.replace(temporary, target)
        except OSError as e:
            with contextlib.suppress(OSError):  # a full disk leaves no temporary file behind
                os.unlink(temporary)
            raise StorageError(f"cannot write {target}: {e.strerror or e}") from e

    def stats(self, prefix: str) -> dict[str, tuple[int, ...]]:
        """Locally also the inode and the status-change time: a file replaced by a rename has
        another inode, one rewritten in place a new ctime, even if its mtime was set back."""
        found: dict[str, tuple[int, ...]] = {}
        for key in self.list(prefix):
            try:
                st = os.stat(os.path.join(self.root, key))
            except FileNotFoundError:  # renamed away since the listing (a temporary file)
                continue
            found[key] = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)
        return found

    def read_bytes(self, key: str) -> bytes:
        try:
            return (self.root / key).read_bytes()
        except FileNotFoundError:
            raise
        except OSError as e:
            raise StorageError(f"cannot read {self.root / key}: {e.strerror or e}") from e


@dataclass
class S3Storage(Storage):
    bucket: str
    prefix: str
    endpoint_url: str | None

    def __post_init__(self) -> None:
        self.uri = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        self.filesystem = s3_filesystem(self.endpoint_url)

    def path(self, key: str) -> str:
        return "/".join(p for p in (self.bucket, self.prefix, key) if p)

    def write_bytes(self, key: str, data: bytes) -> None:
        try:
            with self.filesystem.open_output_stream(self.path(key)) as stream:
                stream.write(data)
        except OSError as e:
            raise StorageError(f"cannot write {self.uri}/{key}: {first_line(e)}") from e

    def check_bucket(self) -> None:
        try:
            info = self.filesystem.get_file_info(self.bucket)
        except OSError as e:
            raise StorageError(f"cannot reach S3 for {self.uri}: {first_line(e)}") from e
        if info.type != pafs.FileType.Directory:
            raise StorageError(f"bucket '{self.bucket}' does not exist (lake {self.uri})")


def endpoint_from_environment(endpoint_url: str | None) -> str | None:
    return (
        endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    )


def s3_filesystem(endpoint_url: str | None) -> pafs.S3FileSystem:
    """A pyarrow S3 filesystem for AWS or any S3-compatible endpoint (credentials from the env)."""
    endpoint = endpoint_from_environment(endpoint_url)
    options: dict = {
        "region": os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1",
        "connect_timeout": 3,
        "request_timeout": 10,
        "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=2),
    }
    if endpoint:
        parsed = urlparse(endpoint)
        options["endpoint_override"] = parsed.netloc or parsed.path
        options["scheme"] = parsed.scheme or "https"
    return pafs.S3FileSystem(**options)


def open_storage(uri: str, endpoint_url: str | None = None) -> Storage:
    """Storage for a local path or an ``s3://bucket/prefix`` URI."""
    if is_s3_uri(uri):
        parsed = urlparse(uri)
        if not parsed.netloc:
            raise StorageError(f"'{uri}' names no bucket (expected s3://bucket/prefix)")
        storage = S3Storage(parsed.netloc, parsed.path.strip("/"), endpoint_url)
        storage.check_bucket()
        return storage
    if "://" in uri:
        raise StorageError(f"unsupported lake URI '{uri}' (use a local path or s3://bucket/prefix)")
    return LocalStorage(Path(uri))
