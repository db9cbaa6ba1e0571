"""Reads of the gig marketplace: querysets and lookups (writes are in services/)."""

from __future__ import annotations

from apps.gigs.models import Application, Contract, Gig


def gig_by_id(*, gig_id: int, lock: bool = False) -> Gig | None:
    query = Gig.objects.all()
    if lock:
        query = query.select_for_update()
    return query.filter(pk=gig_id).first()


def application_with_gig(*, application_id: int, lock: bool = False) -> Application | None:
    query = Application.objects.select_related("gig")
    if lock:
        query = query.select_for_update(of=("self",))
    return query.filter(pk=application_id).first()


def contract_by_id(*, contract_id: int, lock: bool = False) -> Contract | None:
    query = Contract.objects.all()
    if lock:
        query = query.select_for_update()
    return query.filter(pk=contract_id).first()
