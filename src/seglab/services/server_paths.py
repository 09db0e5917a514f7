"""Which folders on the server's disk the HTTP API may read datasets from and write exports into.

Anyone who can import ``/etc`` or ``~/.ssh`` through the API can then download it as an image, and an export can
create folders anywhere the process may write; so the API touches the server's disk only under the folders an
operator listed (``SEGLAB_IMPORT_ROOTS``, ``SEGLAB_EXPORT_ROOTS``), empty by default. Paths are resolved first
(``..`` and symbolic links), so a link inside a root cannot lead out of it. The CLI, run by whoever owns the
machine, is not limited.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from seglab.errors import ForbiddenError


def under_roots(path: Path, roots: Sequence[Path], setting: str) -> Path:
    """``path`` resolved, if it lies inside one of ``roots`` (resolved too); else ``ForbiddenError`` naming
    ``setting`` (the environment variable that lists the roots)."""
    if not roots:
        raise ForbiddenError(
            f"server paths are disabled: {setting} lists no folders (upload an archive or download the zip instead)",
            setting=setting,
        )
    resolved = path.expanduser().resolve()
    for root in roots:
        base = root.expanduser().resolve()
        if resolved == base or resolved.is_relative_to(base):
            return resolved
    raise ForbiddenError(
        f"{path} is outside the folders in {setting} ({', '.join(str(root) for root in roots)})",
        path=str(path),
        setting=setting,
    )
