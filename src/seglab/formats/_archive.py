"""Safe extraction of dataset archives (zip files as Roboflow and CVAT export them)."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from seglab.formats._problems import FormatError, Problem, Severity
from seglab.limits import ArchiveLimits, check_archive


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
