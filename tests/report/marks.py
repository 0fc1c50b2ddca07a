"""Read back the numbers a rendered chart draws: every ``class="mark"`` element, per chart."""

from __future__ import annotations

from html.parser import HTMLParser


class _MarkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.chart: str | None = None
        self.marks: dict[str, list[tuple[str, str, float | None]]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "svg" and a.get("data-chart"):
            self.chart = a["data-chart"]
            self.marks.setdefault(self.chart, [])
        elif a.get("class") == "mark" and self.chart is not None:
            value = a.get("data-value") or ""
            self.marks[self.chart].append(
                (
                    a.get("data-series") or "",
                    a.get("data-label") or "",
                    float(value) if value else None,
                )
            )


def chart_marks(html: str) -> dict[str, list[tuple[str, str, float | None]]]:
    """``{chart id: [(series, label, value), ...]}`` in drawing order."""
    parser = _MarkParser()
    parser.feed(html)
    return parser.marks


def series_values(html: str, chart: str, series: str) -> dict[str, float | None]:
    """``{label: value}`` for one series of one chart."""
    return {label: v for s, label, v in chart_marks(html)[chart] if s == series}
