"""Views over the repository test models (tests/db): pages, versioned writes, If-Match."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from infra_core.db import check_if_match, set_etag, update_if_match
from infra_core.db.drf import KeysetPagination
from tests.testapp.models_db import Article, Row


def _body(request: HttpRequest) -> dict[str, Any]:
    data = json.loads(request.body or b"{}")
    assert isinstance(data, dict)
    return data


def rows(request: HttpRequest) -> JsonResponse:
    order_by = request.GET.get("order_by", "bucket").split(",")
    page = Row.objects.paginate_cursor(
        order_by=order_by,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        limit=request.GET.get("limit", "20"),
    )
    return JsonResponse({"ids": [r.pk for r in page.items], **page.meta()})


def row_pages(request: HttpRequest) -> JsonResponse:
    page = Row.objects.paginate_page(
        request.GET.get("page", "1"),
        request.GET.get("per_page", "20"),
        count=request.GET.get("count", "1") == "1",
    )
    return JsonResponse({"ids": [r.pk for r in page.items], **page.meta()})


def _article(article: Article) -> JsonResponse:
    response = JsonResponse(
        {
            "id": article.pk,
            "title": article.title,
            "version": article.version,
            "created_by": article.created_by,
            "updated_by": article.updated_by,
        }
    )
    set_etag(response, article)
    return response


@csrf_exempt
@require_http_methods(["POST"])
def articles(request: HttpRequest) -> JsonResponse:
    return _article(Article.objects.create(title=_body(request)["title"]))


@csrf_exempt
@require_http_methods(["GET", "PATCH"])
def article(request: HttpRequest, pk: int) -> JsonResponse:
    """PATCH {"title", "version"}: save() of the instance at the version the client read."""
    obj = Article.objects.get_by_id(pk)
    if request.method == "PATCH":
        body = _body(request)
        obj.title = body["title"]
        obj.version = int(body["version"])
        obj.save()
    return _article(obj)


@csrf_exempt
@require_http_methods(["PUT"])
def article_if_match(request: HttpRequest, pk: int) -> JsonResponse:
    """PUT {"title"} with If-Match: one conditional UPDATE (412 / 428)."""
    update_if_match(Article.objects.all(), pk, request, title=_body(request)["title"])
    return _article(Article.objects.get_by_id(pk))


@csrf_exempt
@require_http_methods(["DELETE"])
def article_checked_delete(request: HttpRequest, pk: int) -> JsonResponse:
    """DELETE with an optional If-Match checked against the row read (check_if_match)."""
    obj = Article.objects.get_by_id(pk)
    check_if_match(request, obj, required=False)
    obj.delete()
    return JsonResponse({"deleted": pk})


class RowSerializer(serializers.ModelSerializer[Row]):
    class Meta:
        model = Row
        fields = ["id", "bucket"]


class DrfRows(ListAPIView[Row]):
    queryset = Row.objects.all()
    serializer_class = RowSerializer
    pagination_class = KeysetPagination
    authentication_classes: list[type] = []
    permission_classes: list[type] = []


class LimitedPages(KeysetPagination):
    ordering = ("bucket",)
    page_size_query_param = "limit"


class DrfLimitedRows(DrfRows):
    pagination_class = LimitedPages


class DrfArticle(APIView):
    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    def patch(self, request: Request, pk: int) -> Response:
        version = Article.objects.update_versioned(
            pk, int(request.data["version"]), title=request.data["title"]
        )
        return Response({"version": version})

    def put(self, request: Request, pk: int) -> Response:
        version = update_if_match(Article.objects.all(), pk, request._request,
                                  title=request.data["title"])  # fmt: skip
        return Response({"version": version})
