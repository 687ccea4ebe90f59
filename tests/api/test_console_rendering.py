"""The console's pieces that need no server: its words, its chart and its CSRF token."""

from __future__ import annotations

import re
from datetime import date, timedelta

from nara.api.console import chart, i18n, web
from nara.services.identity.login import token_hash
from nara.services.reports import DayFigures


def test_every_word_a_template_asks_for_exists_in_both_languages() -> None:
    asked = {
        key
        for path in (web.HERE / "templates").glob("*.html")
        for key in re.findall(r"""t\(["']([a-z_]+)["']\)""", path.read_text())
    }
    assert asked, "the templates ask for words"
    assert sorted(asked - set(i18n.WORDS)) == []
    assert all(ko != en for ko, en in (i18n.WORDS[k] for k in asked if k != "switch"))
    assert i18n.translator("ko")("login") != i18n.translator("en")("login")
    assert i18n.translator("fr")("login") == i18n.WORDS["login"][0]  # Korean by default


def test_the_chart_draws_one_bar_per_day_and_series_scaled_to_the_busiest() -> None:
    start = date(2026, 11, 30)
    days = [
        DayFigures(day=start + timedelta(days=i), announcements=i, openings=1, awards=0, payments=2)
        for i in range(7)
    ]
    svg = chart.daily_chart(days, "en")
    bars = re.findall(r'y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="#\w+"><title>', svg)
    assert len(bars) == 7 * len(chart.SERIES)
    tallest = max(float(h) for _, h in bars)
    assert tallest == chart.HEIGHT - chart.BOTTOM - chart.TOP  # 6 announcements on day 7
    assert "2026-12-06 Announcements: 6" in svg and 'role="img"' in svg
    assert "<script" not in svg and "style=" not in svg  # nothing the CSP would block


def test_a_csrf_token_is_tied_to_its_session_and_is_not_the_stored_hash() -> None:
    first, second = web.csrf_for("token-one-0123456789"), web.csrf_for("token-two-0123456789")
    assert first != second and first == web.csrf_for("token-one-0123456789")
    assert first != token_hash("token-one-0123456789").hex()


def test_timeline_details_read_in_kst() -> None:
    detail = web.templates.filters["detail"]
    assert detail("2026-11-30T00:15:00+00:00") == "2026-11-30 09:15 KST"
    assert detail(88_000_000) == "88,000,000"
    assert detail("bidding closed with 2 bids") == "bidding closed with 2 bids"
