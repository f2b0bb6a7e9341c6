from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest
from django.core.management import call_command

from infra_core.logging import logging_config


@pytest.mark.parametrize("as_json", [True, False])
def test_logging_config_is_accepted_by_dictconfig(as_json: bool) -> None:
    config = logging_config(json=as_json, level="DEBUG", loggers={"myapp": "WARNING"})
    logging.config.dictConfig(config)
    try:
        assert logging.getLogger().level == logging.DEBUG
        assert logging.getLogger("myapp").level == logging.WARNING
    finally:
        from django.conf import settings

        logging.config.dictConfig(settings.LOGGING)


def test_management_command_runs_with_its_own_request_id(json_logs) -> None:
    out = io.StringIO()
    call_command("infra_test_echo", stdout=out)
    rid = out.getvalue().strip()
    assert len(rid) == 32
    line = json_logs.by_logger("tests.command")[-1]
    assert line["request_id"] == rid
    json.dumps(line)
