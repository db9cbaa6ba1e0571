"""Operator forms that act once (gigsy/idempotency/forms.py), the expiry sweep (beat task) and
forgetting a deleted account's keys."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from django import forms
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from gigsy.celery import app as celery_app
from gigsy.errors import ApplicationError, ConflictError
from gigsy.idempotency import forget_scope, user_scope
from gigsy.idempotency.forms import OnceForm, run_once
from gigsy.idempotency.models import IdempotencyRecord, RecordState
from gigsy.idempotency.tasks import SWEEP_TASK, sweep_expired_keys

pytestmark = pytest.mark.django_db
HIDDEN_KEY = re.compile(r'<input type="hidden" name="idempotency_key" value="([^"]+)"')


class ResolveForm(OnceForm):
    reason = forms.CharField(max_length=200)


def rendered_key(form: forms.Form) -> str:
    match = HIDDEN_KEY.search(str(form))
    assert match, str(form)
    return match.group(1)


# --- operator forms ----------------------------------------------------------------------------


def test_each_rendered_form_carries_a_new_key_and_a_submit_sends_it_back():
    first, second = rendered_key(ResolveForm()), rendered_key(ResolveForm())
    assert first != second

    submitted = ResolveForm({"idempotency_key": first, "reason": "paid twice"})
    assert submitted.is_valid(), submitted.errors
    assert submitted.cleaned_data["idempotency_key"] == first
    expired = ResolveForm({"reason": "no key"})
    assert not expired.is_valid()
    assert "expired" in expired.errors["idempotency_key"][0]


def test_the_action_page_sends_the_key_back_with_the_reason(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    page = render_to_string(
        "admin/action_with_reason.html",
        {
            "opts": IdempotencyRecord._meta,
            "title": "Resolve",
            "form": ResolveForm(),
            "objects": [],
            "action": "resolve",
            "submit_label": "Resolve",
            "action_checkbox_name": "_selected_action",
        },
        request=request,
    )

    match = HIDDEN_KEY.search(page)
    assert match, page
    submitted = ResolveForm({"idempotency_key": match.group(1), "reason": "paid twice"})
    assert submitted.is_valid(), submitted.errors


def test_a_double_submit_acts_once_and_the_second_is_told_it_is_done(admin_user):
    key = rendered_key(ResolveForm())
    scope = user_scope(admin_user.pk)
    done: list[str] = []

    def resolve() -> str:
        done.append("resolved")
        return "resolution-1"

    first = run_once(key=key, scope=scope, fn=resolve, operation="gigs.resolve_dispute")
    second = run_once(key=key, scope=scope, fn=resolve, operation="gigs.resolve_dispute")

    assert (first.ran, first.value, first.message) == (True, "resolution-1", "")
    assert (second.ran, second.value, second.in_progress) == (False, None, False)
    assert "already submitted" in second.message
    assert done == ["resolved"]
    with pytest.raises(ConflictError) as refused:
        run_once(key=key, scope=scope, fn=resolve, operation="gigs.refund")
    assert refused.value.code == "idempotency_key_reused"
    assert done == ["resolved"]


def test_a_form_whose_action_failed_may_be_sent_again(admin_user):
    key, scope = rendered_key(ResolveForm()), user_scope(admin_user.pk)

    def refuse() -> None:
        raise ApplicationError("The dispute was resolved meanwhile.")

    with pytest.raises(ApplicationError):
        run_once(key=key, scope=scope, fn=refuse)
    assert not IdempotencyRecord.objects.filter(key=key).exists()
    assert run_once(key=key, scope=scope, fn=lambda: 42).value == 42


def test_a_key_that_is_not_a_key_is_refused(admin_user):
    with pytest.raises(ApplicationError) as refused:
        run_once(key="", scope=user_scope(admin_user.pk), fn=lambda: None)
    assert refused.value.code == "idempotency_key_invalid"


@pytest.mark.django_db(transaction=True)
def test_a_second_submit_while_the_first_runs_does_nothing(admin_user):
    key, scope = rendered_key(ResolveForm()), user_scope(admin_user.pk)
    entered, gate = threading.Event(), threading.Event()
    done: list[str] = []
    results: dict[str, Any] = {}

    def slow() -> str:
        done.append("first")
        entered.set()
        assert gate.wait(20)
        return "ok"

    def first_submit() -> None:
        try:
            results["first"] = run_once(key=key, scope=scope, fn=slow)
        finally:
            connection.close()

    thread = threading.Thread(target=first_submit)
    thread.start()
    try:
        assert entered.wait(20)
        second = run_once(key=key, scope=scope, fn=lambda: done.append("second"))
    finally:
        gate.set()
        thread.join(20)

    assert second.in_progress and not second.ran
    assert "still being processed" in second.message
    assert results["first"].ran
    assert done == ["first"]


# --- expiry --------------------------------------------------------------------------------------


def _record(key: str, *, age: timedelta, scope: str = "user:1") -> IdempotencyRecord:
    at = timezone.now() - age
    return IdempotencyRecord.objects.create(
        scope=scope,
        key=key,
        method="POST",
        path="/p",
        route="p",
        fingerprint="f",
        state=RecordState.COMPLETED,
        created_at=at,
        started_at=at,
        completed_at=at,
    )


def test_the_sweep_deletes_keys_older_than_the_setting_and_is_idempotent(settings):
    settings.IDEMPOTENCY_KEY_HOURS = 24
    old = [_record(f"old-{i}", age=timedelta(hours=24, minutes=1 + i)) for i in range(3)]
    young = _record("young", age=timedelta(hours=23, minutes=59))

    assert sweep_expired_keys() == 3
    assert sweep_expired_keys() == 0
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [young.pk]
    assert not IdempotencyRecord.objects.filter(pk__in=[r.pk for r in old]).exists()


def test_the_sweep_is_a_beat_entry_of_the_kernel(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["idempotency.sweep"]
    assert entry["task"] == SWEEP_TASK == sweep_expired_keys.name
    assert entry["schedule"] == settings.IDEMPOTENCY_SWEEP_SECONDS
    assert "idempotency.sweep" in celery_app.conf.beat_schedule
    assert SWEEP_TASK in celery_app.tasks


# --- a deleted account ---------------------------------------------------------------------------


def test_forgetting_a_scope_deletes_only_its_keys():
    _record("a", age=timedelta(0), scope="user:1")
    _record("b", age=timedelta(0), scope="user:1")
    other = _record("a", age=timedelta(0), scope="user:12")

    assert forget_scope(scope="user:1") == 2
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [other.pk]
    with pytest.raises(ValueError, match="scope is required"):
        forget_scope(scope="")
