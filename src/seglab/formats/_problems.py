"""Problems found in input data, each naming the file and the line or annotation id it is about.

Readers never raise for bad *data*: they record a :class:`Problem` and skip (or repair) the item.
With ``strict=True`` the first skipped item raises :class:`FormatError` instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from seglab.errors import InvalidInputError


class Severity(StrEnum):
    ERROR = "error"
    """The item was skipped: data from the source is not in the result."""
    WARNING = "warning"
    """The item was repaired (clipped, made valid) and kept."""
    INFO = "info"
    """Nothing was lost; worth knowing (e.g. a Roboflow superclass category was dropped)."""


@dataclass(frozen=True)
class Problem:
    severity: Severity
    file: str
    message: str
    location: str | None = None
    """``line 12``, ``annotation 57``, ``image 3``… whatever pinpoints the item in ``file``."""

    def __str__(self) -> str:
        return f"{self.severity}: {self.description}"

    @property
    def description(self) -> str:
        """``file, location: message`` without the severity."""
        where = f"{self.file}, {self.location}" if self.location else self.file
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, str | None]:
        return {"severity": self.severity.value, "file": self.file, "location": self.location, "message": self.message}


class FormatError(InvalidInputError, ValueError):
    """Input that cannot be read (or, in strict mode, input with a bad item)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.description, file=problem.file, location=problem.location)
        self.problem = problem

    @classmethod
    def at(cls, file: Path | str, message: str, location: str | None = None) -> FormatError:
        return cls(Problem(Severity.ERROR, str(file), message, location))


@dataclass
class ProblemLog:
    """Collects problems while reading; raises on the first error when ``strict``."""

    strict: bool = False
    problems: list[Problem] = field(default_factory=list)

    def error(self, file: Path | str, message: str, location: str | None = None) -> None:
        self._add(Problem(Severity.ERROR, str(file), message, location))

    def warning(self, file: Path | str, message: str, location: str | None = None) -> None:
        self._add(Problem(Severity.WARNING, str(file), message, location))

    def info(self, file: Path | str, message: str, location: str | None = None) -> None:
        self._add(Problem(Severity.INFO, str(file), message, location))

    def _add(self, problem: Problem) -> None:
        if self.strict and problem.severity is Severity.ERROR:
            raise FormatError(problem)
        self.problems.append(problem)

    def count(self, severity: Severity) -> int:
        return sum(1 for p in self.problems if p.severity is severity)
