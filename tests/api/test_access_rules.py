"""The authorization matrix as a table (`nara.api.access.RULES`), without servers: it
covers every route, it says what the issue says of each role, an application with a route
it does not cover refuses to start, and docs/architecture.md shows it as it is.

tests/integration/test_access_matrix.py sends the requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from nara.api.access import RULES, Scope, Who, endpoints, matrix_markdown, require_rules
from nara.api.app import create_app
from nara.domain.enums import Role
from nara.settings import Settings

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def test_the_columns_are_the_roles_and_nobody() -> None:
    assert {who.value for who in Who} == {role.value for role in Role} | {"anonymous"}


def test_every_route_of_the_application_has_a_rule_and_no_rule_is_stale() -> None:
    served = endpoints(create_app(Settings()))
    assert len(served) == len(set(served))
    assert sorted(set(served) ^ set(RULES)) == []


def test_an_application_with_a_route_and_no_rule_does_not_start() -> None:
    app = create_app(Settings())

    async def backdoor() -> dict[str, str]:
        return {}

    app.add_api_route("/backdoor", backdoor, methods=["POST"])
    with pytest.raises(RuntimeError, match="POST /backdoor"):
        require_rules(app)


def test_what_anonymous_callers_may_everybody_may() -> None:
    for route, rule in RULES.items():
        if Who.ANONYMOUS in rule.allowed:
            # Scope.SCRAPE (/metrics) holds everybody alike to the scraper's token.
            scope = rule.allowed[Who.ANONYMOUS]
            assert scope in (Scope.ANY, Scope.SCRAPE), route
            assert all(rule.allowed.get(who) is scope for who in Who), route


def test_auditors_read_and_change_nothing_but_their_own_session() -> None:
    for (method, path), rule in RULES.items():
        scope = rule.allowed.get(Who.AUDITOR)
        if scope is not None and method != "GET" and not rule.public:
            assert scope is Scope.OWN, f"{method} {path}"
    reads = [route for route in RULES if route[0] == "GET"]
    assert all(Who.AUDITOR in RULES[route].allowed for route in reads)


def test_operators_never_read_sealed_content() -> None:
    sealed = [("GET", "/audit/events"), ("GET", "/tenders/{notice_no}/signals")]
    for route in sealed:
        assert Who.OPERATOR not in RULES[route].allowed, route
    assert Who.OPERATOR in RULES[("POST", "/outages")].allowed


def test_officers_inspectors_and_agents_are_held_to_their_own() -> None:
    own = {Scope.ANY, Scope.OWN}
    for route, rule in RULES.items():
        if rule.public:
            continue
        for who in (Who.OFFICER, Who.INSPECTOR, Who.SUPPLIER):
            scope = rule.allowed.get(who)
            assert scope is None or scope not in own or scope is Scope.OWN, (route, who)


def test_the_architecture_page_shows_the_matrix_as_it_is() -> None:
    page = ARCHITECTURE.read_text(encoding="utf-8")
    assert matrix_markdown() in page, "regenerate the table: print(matrix_markdown())"
    size = f"{len(RULES)} routes x {len(Who)} roles = {len(RULES) * len(Who)} pairs"
    assert size in page, f"the page should say: {size}"
