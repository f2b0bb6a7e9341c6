"""ETag / If-Match for views over versioned rows: 412 on a mismatch, 428 when it is missing.

``GET`` answers ``ETag: "<version>"`` (:func:`set_etag`); a write sends it back in ``If-Match``.
:func:`update_if_match` checks and writes in ONE conditional UPDATE, so two writers holding the
same ETag cannot both win: the loser gets 412 too, not a silent overwrite.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from infra_core.db.errors import VersionConflictError
from infra_core.errors import PreconditionFailedError, PreconditionRequiredError

_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')


def etag_for(obj: Any) -> str:
    """Return the strong entity tag of a versioned row: ``"<version>"``."""
    return f'"{int(obj.version)}"'


def set_etag(response: HttpResponseBase, obj: Any) -> HttpResponseBase:
    """Set the ``ETag`` header of ``response`` to ``obj``'s version; return the response."""
    response["ETag"] = etag_for(obj)
    return response


def if_match_versions(request: HttpRequest) -> tuple[int, ...] | None:
    """Return the versions ``If-Match`` names; () for ``*``; None when the header is absent.

    Weak tags never match (If-Match compares strongly, RFC 9110 13.1.1); a tag that is not one
    of our versions or a malformed header names no version, so it fails the precondition.
    """
    header = request.headers.get("If-Match")
    if header is None:
        return None
    if header.strip() == "*":
        return ()
    versions: list[int] = []
    position = 0
    while position < len(header):
        match = _TAG.match(header, position)
        if match is None:
            return (-1,)  # malformed: matches nothing
        weak, value = match.groups()
        if not weak and value.isascii() and value.isdigit() and len(value) <= 18:
            versions.append(int(value))
        position = match.end()
    return tuple(versions) or (-1,)


def expected_version(request: HttpRequest, current: int, *, required: bool = True) -> int | None:
    """Return the version the client holds if it is ``current``; raise 412 / 428 otherwise."""
    versions = if_match_versions(request)
    if versions is None:
        if required:
            raise PreconditionRequiredError()
        return None
    if versions == () or current in versions:
        return current
    raise PreconditionFailedError(details={"current_etag": f'"{current}"'})


def check_if_match(request: HttpRequest, obj: Any, *, required: bool = True) -> None:
    """Raise 412 unless ``If-Match`` names ``obj``'s version (428 if missing and required)."""
    expected_version(request, int(obj.version), required=required)


def update_if_match(
    queryset: Any, pk: Any, request: HttpRequest, *, required: bool = True, **fields: Any
) -> int:
    """Write ``fields`` to row ``pk`` only if ``If-Match`` holds; return the new version.

    The check and the write are one ``update_versioned`` UPDATE; a lost race is a 412 naming
    the current ETag. A missing row is a 404.
    """
    versions = if_match_versions(request)
    if versions is None:
        if required:
            raise PreconditionRequiredError()
        versions = ()
    if len(versions) != 1:  # "*", several tags, or no header (not required): read it first
        current = queryset.filter(pk=pk).values_list("version", flat=True).first()
        if current is None:
            queryset.get_by_id(pk)  # raises the 404
        if versions and current not in versions:
            raise PreconditionFailedError(details={"current_etag": f'"{current}"'})
        versions = (int(current),)
    try:
        return int(queryset.update_versioned(pk, versions[0], **fields))
    except VersionConflictError as exc:
        raise PreconditionFailedError(
            details={"current_etag": f'"{exc.current_version}"'}
        ) from None
