"""The example API: one endpoint per capability (README "Walkthrough" shows each with curl).

POST/PUT/PATCH take a JSON body only: a cross-site page cannot send one without a CORS preflight
(which this site never grants), so the views need no CSRF token and ``curl -X POST`` works.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from example_project.shop.models import Item, Sale
from example_project.shop.plans import plan_of
from infra_core import context
from infra_core.cache import get_or_compute, versioned_key
from infra_core.cache.invalidation import invalidate_for
from infra_core.db import set_etag, update_if_match
from infra_core.errors import ValidationError
from infra_core.events import publish
from infra_core.ratelimit import rate_limit
from infra_core.ratelimit.plans import resolve_plan

ORDERING = ("-created_at",)
FIELDS = {"name": str, "price_cents": int}


def _body(request: HttpRequest) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise ValidationError(
            "Send a JSON body: Content-Type: application/json.", details={"field": "content-type"}
        )
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise ValidationError("The body is not JSON.", details={"field": "body"}) from None
    if not isinstance(body, dict):
        raise ValidationError("The body is not a JSON object.", details={"field": "body"})
    return body


def _fields(body: dict[str, Any], *, required: bool) -> dict[str, Any]:
    """Return the item fields of ``body``, each checked; raise ValidationError naming one."""
    fields: dict[str, Any] = {}
    for name, kind in FIELDS.items():
        if name not in body:
            if required:
                raise ValidationError(f"{name} is required.", details={"field": name})
            continue
        value = body[name]
        ok = isinstance(value, kind) and not isinstance(value, bool)
        if ok and kind is str:
            ok = 0 < len(value.strip()) <= 100
        if ok and kind is int:
            ok = 0 <= value < 2**31
        if not ok:
            raise ValidationError(
                f"{name} is not a valid {kind.__name__}.", details={"field": name}
            )
        fields[name] = value.strip() if kind is str else value
    if not fields:
        raise ValidationError(
            "Nothing to update: give name or price_cents.", details={"field": "body"}
        )
    return fields


@csrf_exempt
@require_http_methods(["GET", "POST"])
def items(request: HttpRequest) -> JsonResponse:
    """GET: a cursor page, cached until an item changes; POST: create an item (201)."""
    if request.method == "POST":
        item = Item.objects.create(**_fields(_body(request), required=True))
        return JsonResponse(item.as_json(), status=201)
    limit = request.GET.get("limit", "20")
    after = request.GET.get("after") or None
    # The namespace "items" is bumped on every committed Item change (CACHE_INVALIDATION).
    digest = hashlib.sha256(f"{limit}|{after}".encode()).hexdigest()[:32]
    key = versioned_key("items", "page", digest)
    computed = []

    def page() -> dict[str, Any]:
        computed.append(True)
        found = Item.objects.paginate_cursor(order_by=ORDERING, after=after, limit=limit)
        return {"items": [item.as_json() for item in found.items], **found.meta()}

    body = get_or_compute(key, page, ttl=60, namespace="items")
    return JsonResponse({**body, "cache": "miss" if computed else "hit"})


@csrf_exempt
@require_http_methods(["GET", "PATCH", "PUT"])
def item(request: HttpRequest, pk: int) -> HttpResponse:
    """GET with an ETag; PATCH needs If-Match (428/412); PUT takes ``version`` in the body (409)."""
    if request.method == "PATCH":
        fields = _fields(_body(request), required=False)
        update_if_match(Item.objects.all(), pk, request, **fields)
    elif request.method == "PUT":
        body = _body(request)
        version = body.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise ValidationError("version (an integer) is required.", details={"field": "version"})
        Item.objects.update_versioned(pk, version, **_fields(body, required=False))
    if request.method != "GET":
        # update_versioned is one UPDATE (no post_save): invalidate what Item declares ourselves.
        invalidate_for(Item.objects.filter(pk=pk))
    found = Item.objects.get_by_id(pk)
    body = {**found.as_json(), "sold": Sale.objects.filter(item=found).count()}
    return set_etag(JsonResponse(body), found)


@csrf_exempt
@require_POST
def buy(request: HttpRequest, pk: int) -> JsonResponse:
    """Publish ``item.sold``; its handler runs in the worker and records one Sale (202)."""
    found = Item.objects.get_by_id(pk)
    event = publish("item.sold", {"item_id": found.pk}, source="example.shop")
    return JsonResponse(
        {"event": event.name, "event_id": event.event_id, "request_id": event.request_id},
        status=202,
    )


@require_GET
@rate_limit("quota", key="example_project.shop.plans.client_key")
def quota(request: HttpRequest) -> JsonResponse:
    """Plan-tiered limit: free 3/m, pro 10/m, enterprise unlimited (pick with X-Api-Key)."""
    return JsonResponse(
        {
            "plan": resolve_plan(request),
            "known_key": plan_of(request) is not None,
            "request_id": context.get_request_id(),
        }
    )
