"""The SVG charts: shapes from values, every label and link escaped, on the page too."""

from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from infra_core.dashboard import charts
from infra_core.dashboard.charts import Bar, Segment
from infra_core.health.models import HealthTransition
from tests.dashboard.conftest import URL
from tests.dashboard.test_panels import dead_letters, violation

EVIL = '<script>alert("x")</script>'


def test_charts_bars_scale_to_the_largest_value() -> None:
    svg = charts.bars([Bar("a", 10), Bar("b", 5), Bar("c", 0)], title="t")
    widths = [float(w) for w in re.findall(r'<rect x="260" y="\d+" width="([\d.]+)"', svg)]
    assert widths == [290.0, 145.0, 0.0]
    assert svg.startswith("<svg") and "<title>t</title>" in svg


def test_charts_bars_escape_labels_text_and_links() -> None:
    svg = charts.bars([Bar(EVIL, 1, href=f'/x?a="{EVIL}', text=EVIL)], title=EVIL)
    assert "<script" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in svg
    assert 'href="/x?a=&quot;&lt;script&gt;' in svg


def test_charts_stacked_splits_the_width_by_value() -> None:
    svg = charts.stacked([Segment(3, "pending"), Segment(1, "replayed")], title="s", width=100)
    assert re.findall(r'x="([\d.]+)" y="0" width="([\d.]+)"', svg) == [
        ("0.0", "75.0"),
        ("75.0", "25.0"),
    ]
    assert charts.colour("pending") in svg and charts.colour("replayed") in svg


def test_charts_stacked_of_nothing_is_one_grey_bar() -> None:
    svg = charts.stacked([Segment(0, "pending")], title="s")
    assert charts.colour("unknown") in svg


def test_charts_sparkline_has_one_point_per_value() -> None:
    svg = charts.sparkline([0, 2, 4, 2], title="s", width=64, height=20)
    (points,) = re.findall(r'points="([^"]+)"', svg)
    ys = [float(p.split(",")[1]) for p in points.split()]
    assert (
        len(ys) == 4 and ys[2] == 2.0 and ys[0] == 18.0
    )  # the peak at the top, zero at the bottom


def test_charts_unknown_tone_gets_the_default_colour_not_the_data() -> None:
    svg = charts.bars([Bar("a", 1, tone='red"/><script>')], title="t")
    assert "<script" not in svg and 'fill="#607d8b"' in svg


def test_dashboard_page_escapes_task_scope_and_check_names(admin_client_dash: Client) -> None:
    dead_letters(EVIL, "pending", 2)
    violation(EVIL, 3, (timezone.now() - timedelta(minutes=2)).replace(second=0, microsecond=0))
    HealthTransition.objects.create(check_name=EVIL, previous="ok", status="fail",
                                    message=EVIL, process="h:1")  # fmt: skip
    response = admin_client_dash.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 5
    # The link carries the name URL-encoded, so it still filters.
    assert "task_name=%3Cscript%3Ealert%28%22x%22%29%3C%2Fscript%3E" in html
