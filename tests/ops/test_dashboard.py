"""The shipped dashboard imports into Grafana as one piece: ids, data source, layout, queries."""

from __future__ import annotations

from tests.ops.conftest import dashboard

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def _panels() -> list[dict[str, object]]:
    return [p for p in dashboard()["panels"] if p["type"] != "row"]


def test_dashboard_panel_ids_are_unique() -> None:
    ids = [p["id"] for p in dashboard()["panels"]]
    assert len(ids) == len(set(ids))


def test_dashboard_every_query_uses_the_datasource_variable_and_the_job_filter() -> None:
    for panel in _panels():
        assert panel["datasource"] == DATASOURCE, panel["title"]
        targets = panel["targets"]
        assert isinstance(targets, list) and targets, panel["title"]
        for target in targets:
            assert target["datasource"] == DATASOURCE, panel["title"]
            assert 'job=~"$job"' in target["expr"], panel["title"]


def test_dashboard_panels_do_not_overlap() -> None:
    cells: set[tuple[int, int]] = set()
    for panel in dashboard()["panels"]:
        pos = panel["gridPos"]
        assert isinstance(pos, dict) and pos["x"] + pos["w"] <= 24, panel["title"]
        mine = {
            (x, y)
            for x in range(pos["x"], pos["x"] + pos["w"])
            for y in range(pos["y"], pos["y"] + pos["h"])
        }
        assert not mine & cells, f"{panel['title']} overlaps another panel"
        cells |= mine


def test_dashboard_variables_are_datasource_and_job() -> None:
    names = [v["name"] for v in dashboard()["templating"]["list"]]
    assert names == ["datasource", "job"]
