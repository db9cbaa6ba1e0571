"""Active sessions: a user lists their live sessions (device, network, created, last used, which
one is this) and ends one of them; operators see and end them in the admin."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from apps.accounts import services
from apps.accounts.models import SessionFamily
from tests.conftest import obtain_tokens
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
AUTH = "/api/v1/auth"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


def _login(email: str, *, agent: str = "", ip: str = "127.0.0.1") -> dict:
    return obtain_tokens(APIClient(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip), email)


def _client(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def _refresh(refresh: str) -> Any:
    return APIClient().post(f"{AUTH}/token/refresh", {"refresh": refresh}, format="json")


@pytest.fixture
def pat():
    return UserFactory(email="pat@example.com")


def test_lists_only_my_live_sessions_newest_first_with_the_current_one(pat):
    laptop = _login(pat.email, agent=FIREFOX, ip="203.0.113.77")
    phone = _login(pat.email, agent=ANDROID_CHROME, ip="2001:db8:1234:5678::1")
    ended = _login(pat.email)
    APIClient().post(f"{AUTH}/logout", {"refresh": ended["refresh"]}, format="json")
    _login(UserFactory(email="sam@example.com").email, agent=FIREFOX)

    response = _client(laptop["access"]).get(f"{AUTH}/sessions")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert (first["device_label"], first["network"], first["current"]) == (
        "Chrome on Android",
        "2001:db8:1234::/48",
        False,
    )
    assert (second["device_label"], second["network"], second["current"]) == (
        "Firefox on Linux",
        "203.0.113.0/24",
        True,
    )
    assert first["created_at"] >= second["created_at"]
    assert set(first) == {"id", "device_label", "network", "created_at", "last_used_at", "current"}
    # The full address is stored nowhere on the session.
    assert not SessionFamily.objects.filter(network__contains="203.0.113.77").exists()
    phone_view = _client(phone["access"]).get(f"{AUTH}/sessions").json()["results"]
    assert [s["current"] for s in phone_view] == [True, False]


def test_the_access_token_carries_its_session_id(pat):
    tokens = _login(pat.email)
    from rest_framework_simplejwt.tokens import AccessToken

    family = SessionFamily.objects.get(user=pat)
    assert AccessToken(tokens["access"])[services.FAMILY_CLAIM] == str(family.pk)


def test_last_used_moves_on_refresh(pat):
    tokens = _login(pat.email)
    family = SessionFamily.objects.get(user=pat)
    assert family.last_used_at == family.created_at or family.last_used_at >= family.created_at
    before = family.last_used_at

    assert _refresh(tokens["refresh"]).status_code == 200

    family.refresh_from_db()
    assert family.last_used_at > before
    listed = _client(tokens["access"]).get(f"{AUTH}/sessions").json()["results"][0]
    assert listed["last_used_at"] > listed["created_at"]


def test_ending_one_session_leaves_the_others(pat):
    laptop = _login(pat.email)
    phone = _login(pat.email)
    phone_id = SessionFamily.objects.filter(user=pat).latest("created_at").pk

    response = _client(laptop["access"]).delete(f"{AUTH}/sessions/{phone_id}")

    assert response.status_code == 204, response.content
    assert _refresh(phone["refresh"]).status_code == 401
    assert _refresh(laptop["refresh"]).status_code == 200
    listed = _client(laptop["access"]).get(f"{AUTH}/sessions").json()
    assert listed["count"] == 1 and listed["results"][0]["current"] is True
    assert SessionFamily.objects.get(pk=phone_id).ended_because == SessionFamily.Ended.ENDED
    # Ended already: nothing to end twice.
    assert _client(laptop["access"]).delete(f"{AUTH}/sessions/{phone_id}").status_code == 404


def test_someone_elses_session_is_not_found(pat):
    mine = _login(pat.email)
    sam = UserFactory(email="sam@example.com")
    theirs = _login(sam.email)
    their_id = SessionFamily.objects.get(user=sam).pk

    for session_id in (their_id, uuid.uuid4()):
        response = _client(mine["access"]).delete(f"{AUTH}/sessions/{session_id}")
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] == "not_found"
    assert _refresh(theirs["refresh"]).status_code == 200
    assert _client(mine["access"]).delete(f"{AUTH}/sessions/not-a-uuid").status_code == 404


def test_sessions_need_a_sign_in():
    assert APIClient().get(f"{AUTH}/sessions").status_code == 401
    assert APIClient().delete(f"{AUTH}/sessions/{uuid.uuid4()}").status_code == 401


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (FIREFOX, "Firefox on Linux"),
        (ANDROID_CHROME, "Chrome on Android"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iOS",
        ),
        ("curl/8.5.0", "curl"),
        ("", "Unknown device"),
        ("<script>alert(1)</script>\x00" * 200, "Unknown device"),
    ],
)
def test_device_labels(agent, label):
    assert services.device_label(agent) == label


@pytest.mark.parametrize(
    ("ip", "network"),
    [
        ("198.51.100.23", "198.51.100.0/24"),
        ("::ffff:198.51.100.23", "198.51.100.0/24"),
        ("2001:db8:aa:bb::9", "2001:db8:aa::/48"),
        ("", ""),
        (None, ""),
        ("not an ip", ""),
    ],
)
def test_networks(ip, network):
    assert services.network_of(ip) == network


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("op@example.com", "operator pass 123")


def _change_form_data(response: Any) -> dict[str, Any]:
    """What the browser would submit for the change page as rendered."""
    data: dict[str, Any] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.append(formset.management_form)
        forms.extend(formset.forms)
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False or field.field.disabled:
                continue
            data[field.html_name] = value
    return data


def test_admin_shows_live_sessions_and_ends_one(client, operator, pat):
    laptop = _login(pat.email, agent=FIREFOX)
    phone = _login(pat.email, agent=ANDROID_CHROME)
    client.force_login(operator)
    url = f"/admin/accounts/user/{pat.pk}/change/"

    page = client.get(url)

    assert page.status_code == 200
    assert b"Firefox on Linux" in page.content and b"Chrome on Android" in page.content
    data = _change_form_data(page)
    inline = page.context["inline_admin_formsets"][0].formset
    phone_form = next(f for f in inline.forms if f.instance.device_label == "Chrome on Android")
    data[phone_form["end"].html_name] = "on"

    saved = client.post(url, data)

    assert saved.status_code == 302, saved.context and saved.context["errors"]
    assert _refresh(phone["refresh"]).status_code == 401
    assert _refresh(laptop["refresh"]).status_code == 200
    assert SessionFamily.objects.get(pk=phone_form.instance.pk).ended_because == "operator"
    assert b"Chrome on Android" not in client.get(url).content


@pytest.mark.django_db(transaction=True)  # the cached user is forgotten after commit
def test_admin_action_ends_every_session(client, operator, pat):
    laptop = _login(pat.email)
    phone = _login(pat.email)
    assert _client(phone["access"]).get(f"{AUTH}/me").status_code == 200
    client.force_login(operator)

    response = client.post(
        "/admin/accounts/user/",
        {"action": "end_all_sessions", "_selected_action": [pat.pk]},
    )

    assert response.status_code == 302
    assert _refresh(laptop["refresh"]).status_code == 401
    assert _refresh(phone["refresh"]).status_code == 401
    assert _client(phone["access"]).get(f"{AUTH}/me").status_code == 401
    assert not SessionFamily.objects.filter(user=pat, revoked_at__isnull=True).exists()
