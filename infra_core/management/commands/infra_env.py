"""``manage.py infra_env``: validate the environment against the project's schema; exit 0/1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError, CommandParser

from infra_core.conf import SettingError
from infra_core.env import services
from infra_core.env.conf import ENV_SCHEMA, schema_path
from infra_core.env.schema import EnvSchema
from infra_core.management.base import EXIT_USAGE, InfraCommand


class Command(InfraCommand):
    help = (
        "Validate the environment against INFRA_CORE['ENV_SCHEMA'] (secrets masked); exit 1 on "
        "any problem. --example writes a documented .env.example instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--env-file", help="Also read this KEY=value file.")
        parser.add_argument(
            "--override",
            action="store_true",
            help="Let the env file override variables already in the environment.",
        )
        parser.add_argument(
            "--ignore-environ",
            action="store_true",
            help="Validate the env file (and defaults) alone, ignoring the process environment.",
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        parser.add_argument(
            "--example", action="store_true", help="Print a documented .env.example."
        )
        parser.add_argument("--output", "-o", help="With --example: write to this file.")
        parser.add_argument("--schema", help="Dotted path of an EnvSchema (default: ENV_SCHEMA).")

    def handle(self, *args: Any, **options: Any) -> None:
        schema, source = self._schema(options["schema"])
        if options["example"]:
            text = services.example(schema, source)
            if options["output"]:
                Path(options["output"]).write_text(text, encoding="utf8")
                self.stdout.write(f"wrote {options['output']}")
            else:
                self.stdout.write(text, ending="")
            return
        environ: dict[str, str] | None = {} if options["ignore_environ"] else None
        report = schema.validate(environ, options["env_file"], options["override"])
        found = services.rows(schema, report)
        if options["json"]:
            payload = {
                "ok": report.ok,
                "schema": source,
                "variables": found,
                "problems": [p.as_dict() for p in report.problems],
                "warnings": [p.as_dict() for p in report.warnings],
            }
            self.stdout.write(json.dumps(payload, indent=2))
        else:
            for line in services.table(found):
                self.stdout.write(line.rstrip())
            self.stdout.write(
                f"{len(report.problems)} problem(s), {len(report.warnings)} warning(s)"
            )
        if not report.ok:
            raise CommandError(f"{len(report.problems)} environment problem(s)", returncode=1)

    def _schema(self, path: str | None) -> tuple[EnvSchema, str]:
        try:
            schema = schema_path(path) if path else ENV_SCHEMA.value
        except SettingError as exc:
            raise CommandError(f"--schema {path!r} {exc}", returncode=EXIT_USAGE) from None
        except ImproperlyConfigured as exc:  # ENV_SCHEMA itself is bad (infra_core.E700)
            raise CommandError(str(exc), returncode=EXIT_USAGE) from None
        if schema is None:
            raise CommandError(
                "No schema: set INFRA_CORE['ENV_SCHEMA'] to the dotted path of your EnvSchema, "
                "or pass --schema.",
                returncode=EXIT_USAGE,
            )
        return schema, path or str(ENV_SCHEMA.raw())
