"""The operations kit: Prometheus alerting rules and a Grafana dashboard (package data)."""

from __future__ import annotations

from pathlib import Path

#: Directory of the shipped files: ``prometheus/infra_core.rules.yml``, ``grafana/infra_core.json``.
KIT = Path(__file__).resolve().parent
RULES = KIT / "prometheus" / "infra_core.rules.yml"
DASHBOARD = KIT / "grafana" / "infra_core.json"
