"""The console over plain HTTP: `nara console enrol`'s one-time link (once, CSRF, the
cookie's flags, the headers), and an officer's form answered as the API would answer it."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from nara.domain.calendar import SEOUL
from nara.store.tables import AuditEvent
from tests.integration.support import (
    ApiStack,
    announce,
    as_,
    ok,
    operator,
    register,
    wait_for,
)
from tests.integration.test_cli_identity import _nara


def _csrf(page: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert found, page[:300]
    return found.group(1)


async def test_an_enrolment_link_opens_one_console_session_once(
    stack: ApiStack, tmp_path: Path
) -> None:
    who = f"auditor-{uuid.uuid4().hex[:6]}"
    async with httpx.AsyncClient(base_url=stack.api_url) as http:
        body = {"id": who, "name": "Kim", "role": "auditor"}
        await ok(await http.post("/people", json=body, headers=await operator(http, stack)))
    for args in (("ca", "issue", who), ("login", who)):
        assert _nara(stack, tmp_path, *args).returncode == 0
    printed = _nara(stack, tmp_path, "console", "enrol")
    assert printed.returncode == 0, printed.stderr
    link = printed.stdout.strip()
    assert link.startswith(f"{stack.settings.webauthn_origin}/console/enrol#"), link
    secret = link.partition("#")[2]

    with httpx.Client(base_url=stack.api_url) as browser:
        page = browser.get("/console/enrol", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        csrf = _csrf(page.text)
        forged = browser.post("/console/enrol", json={"link": secret})
        assert forged.status_code == 403 and forged.json()["code"] == "csrf-refused"
        opened = browser.post(
            "/console/enrol", json={"link": secret}, headers={"X-CSRF-Token": csrf}
        )
        assert opened.status_code == 201, opened.text
        cookie = opened.headers["set-cookie"].lower()
        for flag in ("nara_session=", "httponly", "samesite=strict", "path=/console"):
            assert flag in cookie, cookie
        assert opened.json()["csrf"] != csrf  # the session's own token from now on
        # the cookie is the API's session: the registration options are the person's
        options = browser.post(
            "/console/passkeys/registration/options",
            headers={"X-CSRF-Token": opened.json()["csrf"]},
        )
        assert options.status_code == 201, options.text
        assert options.json()["public_key"]["user"]["name"] == who

    with httpx.Client(base_url=stack.api_url) as other:
        csrf = _csrf(other.get("/console/enrol").text)
        again = other.post("/console/enrol", json={"link": secret}, headers={"X-CSRF-Token": csrf})
        assert again.status_code == 401 and again.json()["reason"] == "link-used", again.text


async def test_an_officers_form_is_judged_by_the_apis_model_and_service(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=0)
        notice = (await announce(http, cast, notice_s=600))["notice_no"]
        before = await wait_for(http, notice, "bidding")
        officer = as_(cast.officer)
        later = datetime.fromisoformat(before["deadline"]).astimezone(SEOUL) + timedelta(days=3)
        form = {
            "deadline": later.strftime("%Y-%m-%dT%H:%M"),  # a datetime-local field, KST
            "opening_at": (later - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "more time for the bidders",
        }
        refused = await http.post(f"/console/tenders/{notice}/extend", data=form, headers=officer)
        assert refused.status_code == 422
        assert re.search(r'id="err-opening_at" role="alert">[^<]*deadline', refused.text)
        assert 'aria-describedby="err-opening_at"' in refused.text

        form["opening_at"] = (later + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
        moved = await http.post(f"/console/tenders/{notice}/extend", data=form, headers=officer)
        assert moved.status_code == 303, moved.text
        assert moved.headers["location"] == f"/console/tenders/{notice}?done=extend"
        after = await ok(await http.get(f"/tenders/{notice}"))
        assert datetime.fromisoformat(after["deadline"]) == later.replace(second=0, microsecond=0)

        inspector = as_(cast.inspector)
        page = await http.get(f"/console/tenders/{notice}", headers=inspector)
        assert page.status_code == 200 and 'id="form-extend"' not in page.text
        officer_page = await http.get(f"/console/tenders/{notice}", headers=officer)
        assert 'id="form-extend"' in officer_page.text and 'id="form-cancel"' in officer_page.text

        # Cancelling: a reason is required, shown by its field; then the tender is cancelled.
        url = f"/console/tenders/{notice}/cancel"
        unexplained = await http.post(url, data={"reason": ""}, headers=officer)
        assert unexplained.status_code == 422
        assert re.search(r'id="err-reason" role="alert">[^<]+', unexplained.text)
        cancelled = await http.post(url, data={"reason": "the need is gone"}, headers=officer)
        assert cancelled.status_code == 303, cancelled.text
        await wait_for(http, notice, "cancelled")


def _request_key(page: str, form_id: str) -> str:
    form = page.partition(f'id="{form_id}"')[2].partition("</form>")[0]
    found = re.search(r'name="request_key" value="([^"]+)"', form)
    assert found, form[:300]
    return found.group(1)


async def test_a_form_sent_twice_decides_once(stack: ApiStack) -> None:
    """A double click or a browser's resend: the second sending of a rendered form gets
    the first one's outcome (the page's request key), never a second decision."""
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=0)
        notice = (await announce(http, cast, notice_s=600))["notice_no"]
        before = await wait_for(http, notice, "bidding")
        officer = as_(cast.officer)
        page = (await http.get(f"/console/tenders/{notice}", headers=officer)).text
        key = _request_key(page, "form-extend")
        assert key != _request_key(
            (await http.get(f"/console/tenders/{notice}", headers=officer)).text, "form-extend"
        ), "a new key with each rendering"

        later = datetime.fromisoformat(before["deadline"]).astimezone(SEOUL) + timedelta(days=3)
        form = {
            "deadline": later.strftime("%Y-%m-%dT%H:%M"),
            "opening_at": (later + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "more time for the bidders",
            "request_key": key,
        }
        url = f"/console/tenders/{notice}/extend"
        for _ in range(2):
            sent = await http.post(url, data=form, headers=officer)
            assert sent.status_code == 303, sent.text
        assert await _entries(stack, f"tender:{notice}", "deadline-extended") == 1

        # Without the key the same form is a second decision, judged as one.
        unkeyed = {k: v for k, v in form.items() if k != "request_key"}
        second = await http.post(url, data=unkeyed, headers=officer)
        assert second.status_code != 303, second.text

        forged = await http.post(url, data={**form, "request_key": "short"}, headers=officer)
        assert forged.status_code == 422 and "8 to 80" in forged.text

        # Cancelling twice: the second sending is the first cancellation, even once the
        # workflow recorded it (a new request is then refused: the tender has ended).
        page = (await http.get(f"/console/tenders/{notice}", headers=officer)).text
        cancel = {"reason": "the need is gone", "request_key": _request_key(page, "form-cancel")}
        url = f"/console/tenders/{notice}/cancel"
        first = await http.post(url, data=cancel, headers=officer)
        assert first.status_code == 303, first.text
        await wait_for(http, notice, "cancelled")
        again = await http.post(url, data=cancel, headers=officer)
        assert again.status_code == 303, again.text
        assert await _entries(stack, f"tender:{notice}", "cancel-requested") == 1
        anew = await http.post(
            url, data={**cancel, "request_key": uuid.uuid4().hex}, headers=officer
        )
        assert anew.status_code == 409, anew.text


async def _entries(stack: ApiStack, entity: str, action: str) -> int:
    async with stack.engine.connect() as db:
        found = await db.scalar(
            select(func.count()).where(AuditEvent.entity == entity, AuditEvent.action == action)
        )
    return int(found or 0)
