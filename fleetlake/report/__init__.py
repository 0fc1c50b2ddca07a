"""``fleetlake report``: one self-contained, offline HTML file with charts of everything.

Charts are inline SVG drawn in Python (``svg``), sections are gathered from whatever exists
(``build``), and the page is plain HTML and CSS with no script (``page``).
"""

from __future__ import annotations

from fleetlake.report.build import build_report

__all__ = ["build_report"]
