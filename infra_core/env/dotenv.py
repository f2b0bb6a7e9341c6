"""Read a ``.env`` file with django-environ's parser, into a dict (``os.environ`` untouched)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import environ

from infra_core.env.report import Problem

_ENVIRON_LOGGER = "environ.environ"


class _InvalidLines(logging.Filter):
    """Keep django-environ's "Invalid line" records out of the logs: the line may hold a secret."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Invalid line"):
            self.lines.append(str(record.args[0]) if record.args else "")  # type: ignore[index]
            return False
        return True


def read(path: str | os.PathLike[str]) -> tuple[dict[str, str], list[Problem]]:
    """Return the file's variables and the problems of its lines (by number, never content)."""
    file = Path(path)
    if not file.is_file():
        hint = "Pass a readable KEY=value file, or none."
        return {}, [Problem(str(file), "does not exist or is not a file", hint=hint)]
    found: dict[str, str] = {}
    # read_env() fills cls.ENVIRON; a subclass whose ENVIRON is this dict keeps os.environ out.
    reader: Any = type("_EnvFileReader", (environ.Env,), {"ENVIRON": found})
    catcher = _InvalidLines()
    logger = logging.getLogger(_ENVIRON_LOGGER)
    saved = (logger.level, logger.disabled)
    # The filter only sees records the logger lets through: never miss an invalid line.
    logger.setLevel(logging.WARNING)
    logger.disabled = False
    logger.addFilter(catcher)
    try:
        reader.read_env(str(file), overwrite=True)
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [Problem(str(file), f"cannot be read ({type(exc).__name__})")]
    finally:
        logger.removeFilter(catcher)
        logger.setLevel(saved[0])
        logger.disabled = saved[1]
    lines = file.read_text(encoding="utf8").splitlines()
    problems = [
        Problem(
            f"{file.name}:{_line_number(lines, bad)}",
            "is not a KEY=value line (its content is not shown: it may hold a secret)",
            hint="Write NAME=value; comments start with '#' at the start of a line.",
        )
        for bad in catcher.lines
    ]
    return found, problems


def _line_number(lines: list[str], bad: str) -> int:
    try:
        return lines.index(bad) + 1
    except ValueError:
        return 0
