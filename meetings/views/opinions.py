"""Written-opinion pages: my rounds, send a draft, a round (answer form or the secretary's
summary with remind/close/export). Refusals are answered by `ecabinet.refusals`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecabinet.errors import ActionError
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.refusals import FormPage, refusal_response, wants_json
from meetings.access import (
    may_open_opinion_rounds,
    may_receive_original,
    opinion_unit_ids,
    round_access,
    rounds_visible_to,
    run_meeting_ids,
)
from meetings.actions import opinions as actions
from meetings.api.opinions import answer_round_from, create_opinion_round, export_response
from meetings.models import Meeting, OpinionAnswer
from meetings.views.documents import page


@page
def opinion_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rounds = rounds_visible_to(request.user).select_related("meeting").order_by("-created_at")[:500]
    answered = set(OpinionAnswer.objects.filter(user=request.user).values_list("round_id", flat=True))
    return render(request, "meetings/documents/opinion_list.html", {
        "rounds": rounds, "answered": answered, "now": timezone.now(),
        "may_create": may_open_opinion_rounds(request.user),
    })


@page
def opinion_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            rnd = create_opinion_round(request)
        except ActionError as exc:
            context = {"form": request.POST, **_new_context(request)}
            return refusal_response(request, exc, form=FormPage("meetings/documents/opinion_new.html", context))
        url = reverse("opinion_detail", args=[rnd.pk])
        if wants_json(request):
            return JsonResponse({"id": rnd.pk, "url": url}, status=201)
        messages.success(request, _("The draft was sent for written opinions."))
        return redirect(url)
    return render(request, "meetings/documents/opinion_new.html", {"form": request.GET, **_new_context(request)})


def _new_context(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    user = request.user
    meetings = Meeting.objects.filter(pk__in=run_meeting_ids(user)).order_by("-starts_at")
    return {"meetings": meetings[:100], "unit_ids": opinion_unit_ids(user)}


@page
def opinion_detail(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    rnd = access.round
    context = {"round": rnd, "access": access, "choices": OpinionAnswer.Choice.choices,
               "my_answer": OpinionAnswer.objects.filter(round=rnd, user=request.user).first(),
               "draft_original": may_receive_original(request.user, rnd.draft)}
    if access.manages:
        context["summary"] = actions.summary(rnd)
    return render(request, "meetings/documents/opinion_detail.html", context)


@page
@require_POST
def opinion_action(request: AuthenticatedHttpRequest, round_id: int, action: str) -> HttpResponse:
    rnd = round_access(request.user, round_id).round
    if action == "answer":
        answer_round_from(request, round_id)
        messages.success(request, _("Your opinion was recorded."))
    elif action == "remind":
        count = actions.do_remind(rnd, actor=request.user)
        messages.success(request, _("Reminders sent: %(count)s.") % {"count": count})
    elif action == "close":
        actions.do_close_round(rnd, actor=request.user)
        messages.success(request, _("The round was closed."))
    else:
        raise Http404
    return redirect("opinion_detail", round_id)


@page
def opinion_export(request: AuthenticatedHttpRequest, round_id: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "pdf"):
        raise Http404
    return export_response(request, round_id, fmt)


urlpatterns: list[URLPattern] = [
    path("opinions/", opinion_list, name="opinion_list"),
    path("opinions/new/", opinion_new, name="opinion_new"),
    path("opinions/<int:round_id>/", opinion_detail, name="opinion_detail"),
    path("opinions/<int:round_id>/export.<slug:fmt>", opinion_export, name="opinion_export"),
    path("opinions/<int:round_id>/<slug:action>/", opinion_action, name="opinion_action"),
]
