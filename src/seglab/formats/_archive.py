"""Safe extraction of dataset archives (zip files as Roboflow and CVAT export them, and gzipped tarballs)."""

from __future__ import annotations

import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from seglab.errors import TooLargeError
from seglab.formats._problems import FormatError, Problem, Severity
from seglab.limits import ArchiveLimits, check_archive

TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar")
"""Tar archives :func:`extract_archive` reads (compressed with gzip, or not)."""


def is_archive(path: Path) -> bool:
    """Whether ``path`` names an archive :func:`extract_archive` can expand (a zip file or a tarball)."""
    name = path.name.lower()
    return name.endswith(".zip") or name.endswith(TAR_SUFFIXES)


def archive_stem(path: Path) -> str:
    """The archive's name without its archive suffix (``cats.tar.gz`` -> ``cats``)."""
    name = path.name
    for suffix in (".zip", *TAR_SUFFIXES):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or "archive"
    return path.stem


def extract_archive(archive: Path, target: Path, limits: ArchiveLimits | None = None) -> Path:
    """Extract a zip file or a tarball into ``target`` with the checks of :func:`extract_zip`."""
    if archive.name.lower().endswith(TAR_SUFFIXES):
        return extract_tar(archive, target, limits)
    return extract_zip(archive, target, limits)


def extract_zip(archive: Path, target: Path, limits: ArchiveLimits | None = None) -> Path:
    """Extract ``archive`` into ``target`` after checking every member stays inside it.

    Refuses absolute paths, ``..`` components and symbolic links (the "zip slip" attacks), and archives that
    expand beyond ``limits`` (default: :class:`ArchiveLimits`'s; ``TooLargeError``: bombs), before writing
    anything, so a malicious archive leaves nothing behind.
    """
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = check_archive(zipped, limits or ArchiveLimits(), archive.name)
            for member in members:
                name = PurePosixPath(member.filename.replace("\\", "/"))
                mode = member.external_attr >> 16
                if name.is_absolute() or ".." in name.parts or (member.filename[1:3] == ":/"):
                    raise FormatError(
                        Problem(Severity.ERROR, str(archive), "path escapes the target folder", member.filename)
                    )
                if stat.S_ISLNK(mode):
                    raise FormatError(
                        Problem(Severity.ERROR, str(archive), "symbolic links are not allowed", member.filename)
                    )
            target.mkdir(parents=True, exist_ok=True)
            zipped.extractall(target)
    except zipfile.BadZipFile as error:
        raise FormatError(Problem(Severity.ERROR, str(archive), f"not a valid zip archive ({error})")) from None
    return target


def extract_tar(archive: Path, target: Path, limits: ArchiveLimits | None = None) -> Path:
    """Extract a tarball (``.tar.gz``, ``.tgz``, ``.tar``) into ``target`` after checking every member.

    The same refusals as :func:`extract_zip`: paths leaving ``target``, links (symbolic or hard) and devices, more
    files or bytes than ``limits`` allow, or a whole expanding more than ``max_ratio`` times the archive (a gzip
    stream has no sizes per member). Members are checked while the directory is read, so a bomb stops at the
    limit; Python's ``data`` extraction filter guards the extraction itself too.
    """
    limits = limits or ArchiveLimits()
    compressed = max(archive.stat().st_size, 1)
    try:
        with tarfile.open(archive, "r:*") as tarred:
            members = []
            total = 0
            for member in tarred:
                members.append(member)
                _check_tar_member(archive, member)
                total += member.size
                _check_tar_totals(archive, len(members), total, compressed, limits)
            target.mkdir(parents=True, exist_ok=True)
            tarred.extractall(target, members=members, filter="data")
    except (tarfile.TarError, EOFError, OSError) as error:
        raise FormatError(Problem(Severity.ERROR, str(archive), f"not a valid tar archive ({error})")) from None
    return target


def _check_tar_member(archive: Path, member: tarfile.TarInfo) -> None:
    name = PurePosixPath(member.name.replace("\\", "/"))
    if name.is_absolute() or ".." in name.parts:
        raise FormatError(Problem(Severity.ERROR, str(archive), "path escapes the target folder", member.name))
    if member.issym() or member.islnk():
        raise FormatError(Problem(Severity.ERROR, str(archive), "links are not allowed", member.name))
    if not (member.isfile() or member.isdir()):
        raise FormatError(Problem(Severity.ERROR, str(archive), "only files and folders are allowed", member.name))


def _check_tar_totals(archive: Path, files: int, total: int, compressed: int, limits: ArchiveLimits) -> None:
    if files > limits.max_files:
        raise TooLargeError(
            f"{archive.name} holds more than {limits.max_files} files, above SEGLAB_MAX_ARCHIVE_FILES",
            limit=limits.max_files,
            setting="SEGLAB_MAX_ARCHIVE_FILES",
        )
    if total > limits.max_bytes:
        raise TooLargeError(
            f"{archive.name} expands to more than {total} bytes, above SEGLAB_MAX_ARCHIVE_BYTES={limits.max_bytes}",
            limit=limits.max_bytes,
            setting="SEGLAB_MAX_ARCHIVE_BYTES",
        )
    if total > (1 << 20) and total > limits.max_ratio * compressed:
        raise TooLargeError(
            f"{archive.name} expands {total // compressed}-fold ({compressed} to more than {total} bytes), above "
            f"SEGLAB_MAX_ARCHIVE_RATIO={limits.max_ratio}",
            limit=limits.max_ratio,
            setting="SEGLAB_MAX_ARCHIVE_RATIO",
        )
