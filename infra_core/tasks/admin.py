"""Admin for dead letters (actions call tasks.operations) and in-flight task runs, all read-only."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from infra_core.admin_base import ReadOnlyRecordsMixin
from infra_core.logging.security import log_security_event
from infra_core.tasks import operations
from infra_core.tasks.conf import DLQ_DATABASE
from infra_core.tasks.models import DeadLetter, DeadLetterQuerySet, TaskRun

if TYPE_CHECKING:
    _DeadLetterBase = admin.ModelAdmin[DeadLetter]
    _TaskRunBase = admin.ModelAdmin[TaskRun]
else:  # ModelAdmin is not subscriptable at runtime without django-stubs-ext
    _DeadLetterBase = _TaskRunBase = admin.ModelAdmin

#: Upper bound of "Replay with delay": one day.
MAX_REPLAY_DELAY = 86_400
_DELAY_ERROR = f"Enter a whole number of seconds from 1 to {MAX_REPLAY_DELAY} (one day)."
_SPANS = {
    "hour": ("last hour", timedelta(hours=1)),
    "day": ("last day", timedelta(days=1)),
    "week": ("last week", timedelta(weeks=1)),
}


class AgeFilter(admin.SimpleListFilter):
    """Filter dead letters by the age of their last failure."""

    title = "age"
    parameter_name = "age"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _) in _SPANS.items()] + [
            ("older", "older than a week")
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        now = timezone.now()
        if value == "older":
            return cast(DeadLetterQuerySet, queryset).older_than(now - _SPANS["week"][1])
        if value in _SPANS:
            return cast(DeadLetterQuerySet, queryset).newer_than(now - _SPANS[value][1])
        return queryset


class ReplayDelayForm(forms.Form):
    """The delay of "Replay with delay", in whole seconds."""

    delay = forms.IntegerField(
        label="Delay (seconds)",
        min_value=1,
        max_value=MAX_REPLAY_DELAY,
        error_messages={
            key: _DELAY_ERROR for key in ("required", "invalid", "min_value", "max_value")
        },
    )


def _pre(text: str) -> SafeString:
    return format_html('<pre style="white-space: pre-wrap">{}</pre>', text)


def _pretty_json(value: Any) -> SafeString:
    return _pre(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str))


_FIELDSETS: list[tuple[str | None, list[str]]] = [
    (None, ["task_name", "task_id", "status", "queue", "request_id", "attempts"]),
    (
        "Failure",
        [
            "exception_class",
            "exception_message",
            "traceback_block",
            "first_failed_at",
            "last_failed_at",
        ],
    ),
    ("Payload", ["args_block", "kwargs_block", "payload_truncated", "payload_redacted"]),
    (
        "Operator",
        ["replayed_by", "replayed_at", "replayed_task_id", "replay_of", "closed_by", "closed_at"],
    ),
    ("Note", ["note"]),
]


class _OnDLQDatabase:
    """Read rows from DLQ_DATABASE, where services, the command and the gauge write them."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        return queryset.using(DLQ_DATABASE.value)


@admin.register(DeadLetter)
class DeadLetterAdmin(_OnDLQDatabase, ReadOnlyRecordsMixin, _DeadLetterBase):
    list_display = [
        "id",
        "task_name",
        "status",
        "exception_class",
        "attempts",
        "request_id",
        "last_failed_at",
        "replayed_task_id",
    ]
    list_display_links = ["id", "task_name"]
    list_filter = ["task_name", "status", "exception_class", AgeFilter]
    search_fields = ["task_id", "request_id", "task_name"]
    date_hierarchy = "last_failed_at"
    fieldsets = [(title, {"fields": tuple(fields)}) for title, fields in _FIELDSETS]
    readonly_fields = [name for _, fields in _FIELDSETS for name in fields]
    actions = ["replay", "replay_with_delay", "discard", "resolve"]
    change_form_template = "admin/infra_core/deadletter/change_form.html"

    # --- custom permissions for the actions (rows are read-only: ReadOnlyRecordsMixin) ---

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("infra_core.replay_deadletter")

    def has_discard_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("infra_core.discard_deadletter")

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("infra_core.resolve_deadletter")

    # --- detail page ---
    @admin.display(description="args")
    def args_block(self, obj: DeadLetter) -> SafeString:
        return _pretty_json(obj.args)

    @admin.display(description="kwargs")
    def kwargs_block(self, obj: DeadLetter) -> SafeString:
        return _pretty_json(obj.kwargs)

    @admin.display(description="traceback")
    def traceback_block(self, obj: DeadLetter) -> SafeString:
        return _pre(obj.traceback or "-")

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: DeadLetter | None = None,
    ) -> HttpResponse:
        # The Replay button shows where a replay would not be refused (pending, payload neither
        # truncated nor redacted): operations.refusal() decides, as for the actions.
        context["can_replay"] = (
            obj is not None
            and self.has_replay_permission(request)
            and operations.refusal(obj, operations.REPLAY) is None
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Django ignores a POSTed action the user may not run; a forged one is still an attempt.
        action = request.POST.get("action") if request.method == "POST" else None
        if action in self.actions and action not in self.get_actions(request):
            _denied(request, str(action))
        return super().changelist_view(request, extra_context)

    def get_urls(self) -> list[URLPattern]:
        replay_view = self.admin_site.admin_view(require_POST(self.replay_view))
        name = f"{self.opts.app_label}_{self.opts.model_name}_replay"
        return [path("<int:pk>/replay/", replay_view, name=name), *super().get_urls()]

    def replay_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Replay one dead letter from its detail page (POST, CSRF-protected by admin_view)."""
        if not self.has_replay_permission(request):
            _denied(request, operations.REPLAY)
            raise PermissionDenied
        row = get_object_or_404(self.get_queryset(request), pk=pk)
        self._run(request, [row.pk], "Replayed", operations.REPLAY)
        info = (self.opts.app_label, self.opts.model_name)
        return HttpResponseRedirect(reverse("admin:{}_{}_change".format(*info), args=[row.pk]))

    # --- actions: parse input, call a dlq service per row, report per row ---
    @admin.action(permissions=["replay"], description="Replay")
    def replay(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> None:
        self._run(request, _pks(queryset), "Replayed", operations.REPLAY)

    @admin.action(permissions=["replay"], description="Replay with delay…")
    def replay_with_delay(
        self, request: HttpRequest, queryset: QuerySet[DeadLetter]
    ) -> TemplateResponse | None:
        form = ReplayDelayForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            delay = form.cleaned_data["delay"]
            self._run(request, _pks(queryset), "Replayed", operations.REPLAY, countdown=delay)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Replay with delay",
            "opts": self.opts,
            "form": form,
            "queryset": queryset,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "max_delay": MAX_REPLAY_DELAY,
        }
        return TemplateResponse(
            request, "admin/infra_core/deadletter/replay_with_delay.html", context
        )

    @admin.action(permissions=["discard"], description="Discard")
    def discard(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> None:
        self._run(request, _pks(queryset), "Discarded", operations.DISCARD)

    @admin.action(permissions=["resolve"], description="Mark resolved")
    def resolve(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> None:
        self._run(request, _pks(queryset), "Marked resolved", operations.RESOLVE)

    def _run(
        self,
        request: HttpRequest,
        pks: list[int],
        verb: str,
        action: str,
        countdown: int | None = None,
    ) -> None:
        outcomes = operations.act(
            pks, action, actor=request.user.get_username(), countdown=countdown
        )
        done = [
            f"#{o.pk} as {o.new_task_id}" if o.new_task_id else f"#{o.pk}"
            for o in outcomes
            if o.done
        ]
        refused = [f"#{o.pk} ({o.refused})" for o in outcomes if not o.done]
        if done:
            msg = f"{verb} {len(done)} dead letter(s): {', '.join(done)}."
            self.message_user(request, msg, messages.SUCCESS)
        if refused:
            msg = f"Refused {len(refused)} dead letter(s): {', '.join(refused)}."
            self.message_user(request, msg, messages.WARNING)


def _denied(request: HttpRequest, action: str) -> None:
    log_security_event(
        "dlq_action_denied", request=request, action=action, actor=request.user.get_username()
    )


def _pks(queryset: QuerySet[DeadLetter]) -> list[int]:
    return list(queryset.values_list("pk", flat=True))


@admin.register(TaskRun)
class TaskRunAdmin(_OnDLQDatabase, ReadOnlyRecordsMixin, _TaskRunBase):
    list_display = [
        "task_name",
        "task_id",
        "state",
        "retries",
        "deliveries",
        "worker",
        "queue",
        "request_id",
        "started_at",
    ]
    list_filter = ["state", "task_name"]
    search_fields = ["task_id", "request_id", "task_name"]
    date_hierarchy = "started_at"
