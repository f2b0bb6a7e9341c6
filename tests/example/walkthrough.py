"""The README walkthrough as data: its commands, their shown output, and how to compare them.

README.md marks each block of the walkthrough with ``<!-- walkthrough -->`` on the line before a
```` ```console ```` fence. In a block, ``$ `` starts a command (a trailing ``\\`` continues it) and
the lines up to the next command are what it prints, abridged:

- every shown line must appear in the real output, in order (lines in between may be left out);
- a bare ``...`` elides: inside a text line it matches any text; in JSON, ``...`` in an object
  stands for keys not shown (shown keys must match, others are ignored anyway), ``...`` at the end
  of a list for further items, and the string ``"..."`` for any value; runs of spaces are one;
- ``<name>`` in a command is the value of key ``name`` in the last JSON output that had it
  (``<next_cursor>``); ``$NAME`` comes from the ``export NAME=...`` lines ``make run`` printed;
- a command whose comment says ``later`` is retried (bounded) until its output matches: the
  worker runs it asynchronously.

Commands run either with bash and the real curl, or with :func:`run_python`, a small interpreter of
the subset the walkthrough uses (curl's -s -i -X -H -d -o -w, ``for ... do ...; done``, ``| grep
-E``, ``manage.py``), so the test also runs where curl is not installed.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.client import responses
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BLOCK_RE = re.compile(r"<!-- walkthrough -->\n```console\n(.*?)^```", re.M | re.S)
ELIDED = "<<...>>"


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)

    @property
    def later(self) -> bool:
        comment = self.command.partition(" # ")[2]
        return "later" in comment


def steps(text: str | None = None) -> list[Step]:
    """Return the walkthrough's commands with their shown output, in README order."""
    found: list[Step] = []
    for block in BLOCK_RE.findall(text if text is not None else README.read_text()):
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("$ "):
                command = line[2:]
                while command.endswith("\\") and i + 1 < len(lines):
                    i += 1
                    command = command[:-1].rstrip() + " " + lines[i].strip()
                found.append(Step(command))
            elif found and line.strip():
                found[-1].expected.append(line)
            i += 1
    return found


# Matching -------------------------------------------------------------------------------------


def _elided_json(text: str) -> Any:
    """Parse shown JSON whose bare ``...`` tokens are elisions (see the module docstring)."""
    out: list[str] = []
    stack: list[str] = []
    i, in_string = 0, False
    while i < len(text):
        ch = text[i]
        if in_string:
            out.append(ch)
            if ch == "\\":
                out.append(text[i + 1])
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif text.startswith("...", i):
            out.append(f'"{ELIDED}": null' if stack and stack[-1] == "{" else f'"{ELIDED}"')
            i += 2
        else:
            if ch in "{[":
                stack.append(ch)
            elif ch in "}]":
                stack.pop()
            out.append(ch)
        i += 1
    return json.loads("".join(out))


def json_matches(expected: Any, actual: Any) -> bool:
    if expected in ("...", ELIDED):
        return True
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and json_matches(value, actual[key])
            for key, value in expected.items()
            if key != ELIDED
        )
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return False
        if expected and expected[-1] == ELIDED:
            shown = expected[:-1]
            return len(actual) >= len(shown) and all(map(json_matches, shown, actual))
        return len(actual) == len(expected) and all(map(json_matches, expected, actual))
    if isinstance(expected, str) and "..." in expected:
        return isinstance(actual, str) and _wildcard(expected, actual)
    return type(expected) is type(actual) and expected == actual


def _wildcard(expected: str, actual: str) -> bool:
    squash = lambda s: re.sub(r"\s+", " ", s.strip())  # noqa: E731
    pattern = ".*".join(re.escape(part) for part in squash(expected).split("..."))
    return re.fullmatch(pattern, squash(actual)) is not None


def line_matches(expected: str, actual: str) -> bool:
    if expected.lstrip().startswith("{"):
        try:
            return json_matches(_elided_json(expected), json.loads(actual))
        except ValueError:
            return False
    return _wildcard(expected, actual)


def mismatch(expected: list[str], output: str) -> str | None:
    """Return the first shown line not found (in order) in ``output``, or None if all are."""
    actual = [line.rstrip("\r") for line in output.splitlines()]
    pos = 0
    for want in expected:
        if want.strip() == "...":
            continue
        while pos < len(actual) and not line_matches(want, actual[pos]):
            pos += 1
        if pos == len(actual):
            return want
        pos += 1
    return None


def remember(values: dict[str, Any], output: str) -> None:
    """Record the top-level keys of every JSON line of ``output`` (for ``<name>`` placeholders)."""
    for line in output.splitlines():
        if line.startswith("{"):
            try:
                body = json.loads(line)
            except ValueError:
                continue
            if isinstance(body, dict):
                values.update({k: v for k, v in body.items() if isinstance(v, str | int)})


def fill(command: str, values: dict[str, Any]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise AssertionError(f"<{name}> in {command!r}: no earlier output had {name!r}")
        return str(values[name])

    return re.sub(r"<([a-z_]+)>", one, command)


# Running --------------------------------------------------------------------------------------


def run_bash(command: str, env: dict[str, str], timeout: float = 60) -> str:
    result = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=timeout)  # fmt: skip
    return result.stdout


def _curl(args: list[str]) -> str:
    method, data, out, fmt, include = None, None, None, None, False
    headers: dict[str, str] = {}
    url = None
    it = iter(args)
    for arg in it:
        if arg in ("-s", "--silent"):
            continue
        if arg in ("-i", "-si", "-is"):
            include = True
        elif arg == "-X":
            method = next(it)
        elif arg == "-H":
            name, _, value = next(it).partition(":")
            headers[name.strip()] = value.strip()
        elif arg == "-d":
            data = next(it).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif arg == "-o":
            out = next(it)
        elif arg == "-w":
            fmt = next(it)
        elif arg.startswith("http"):
            url = arg
        else:
            raise AssertionError(f"curl option {arg!r} is not in the interpreter's subset")
    assert url is not None, f"no URL in curl {args}"
    method = method or ("POST" if data is not None else "GET")
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status, got, body = answer.status, answer.headers.items(), answer.read()
    except urllib.error.HTTPError as error:
        status, got, body = error.code, error.headers.items(), error.read()
    text = ""
    if include:
        text += f"HTTP/1.1 {status} {responses.get(status, '')}\n"
        text += "".join(f"{k}: {v}\n" for k, v in got) + "\n"
    if out != "/dev/null":
        text += body.decode()
    if fmt is not None:
        text += fmt.replace("%{http_code}", str(status)).replace("\\n", "\n")
    return text


def _simple(command: str, env: dict[str, str]) -> str:
    words = shlex.split(command, comments=True)
    if words[0] == "curl":
        return _curl(words[1:])
    if words[0] == "echo":
        return " ".join(words[1:]) + "\n"
    if words[:2] == [sys.executable, "manage.py"]:
        result = subprocess.run(words, cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=120)  # fmt: skip
        return result.stdout
    raise AssertionError(f"{command!r} is not in the interpreter's subset")


def run_python(command: str, env: dict[str, str]) -> str:
    """Run one walkthrough command without a shell (the subset the module docstring names)."""
    command = re.sub(r"\$([A-Z_]+)", lambda m: env[m.group(1)], command)
    command = command.split(" # ")[0].strip()
    loop = re.fullmatch(r"for \w+ in ([\w ]+); do (.*); done(; echo)?", command)
    if loop:
        text = "".join(_simple(loop.group(2), env) for _ in loop.group(1).split())
        return text + ("\n" if loop.group(3) else "")
    command, bar, grep = command.partition(" | grep -E ")
    text = _simple(command, env)
    if bar:
        (pattern,) = shlex.split(grep)
        text = "".join(line + "\n" for line in text.splitlines() if re.search(pattern, line))
    return text
