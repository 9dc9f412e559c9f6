"""Written-opinion pages: my rounds, send a draft, a round (answer form or the secretary's
summary with remind/close/export)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecabinet.access import managed_unit_ids
from ecabinet.errors import ActionError
from meetings.access import may_receive_original, visible_meetings
from meetings.actions import opinions as actions
from meetings.api.documents import check_content_length, form_int, uploaded_file
from meetings.api.opinions import _parse_deadline, export_response, usernames_from
from meetings.models import OpinionAnswer
from meetings.views.documents import page, refused, wants_json


@page
def opinion_list(request: HttpRequest) -> HttpResponse:
    rounds = actions.rounds_visible_to(request.user).select_related("meeting").order_by("-created_at")[:500]
    answered = set(OpinionAnswer.objects.filter(user=request.user).values_list("round_id", flat=True))
    return render(request, "meetings/documents/opinion_list.html", {
        "rounds": rounds, "answered": answered, "now": timezone.now(),
        "may_create": bool(managed_unit_ids(request.user)) or visible_meetings(request.user).exists(),
    })


@page
def opinion_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            check_content_length(request)
            data = request.POST
            rnd = actions.do_create_round(
                actor=request.user, title=data.get("title", ""), question=data.get("question", ""),
                deadline=_parse_deadline(data.get("deadline", "")), usernames=usernames_from(data),
                upload=uploaded_file(request), meeting_id=form_int(data, "meeting"),
                unit_id=form_int(data, "unit"),
            )
        except ActionError as exc:
            if wants_json(request):
                return refused(request, exc, reverse("opinion_new"))
            return render(request, "meetings/documents/opinion_new.html",
                          {"error": exc.message, "form": request.POST, **_new_context(request)}, status=exc.status)
        url = reverse("opinion_detail", args=[rnd.pk])
        if wants_json(request):
            from django.http import JsonResponse

            return JsonResponse({"id": rnd.pk, "url": url}, status=201)
        messages.success(request, _("The draft was sent for written opinions."))
        return redirect(url)
    return render(request, "meetings/documents/opinion_new.html", {"form": request.GET, **_new_context(request)})


def _new_context(request: HttpRequest) -> dict:
    from meetings.access import RUNNER_ROLES

    user = request.user
    meetings = visible_meetings(user).filter(participants__user=user, participants__role__in=RUNNER_ROLES) \
        | visible_meetings(user).filter(created_by=user)
    return {"meetings": meetings.distinct()[:100], "unit_ids": managed_unit_ids(user)}


@page
def opinion_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    access = actions.round_access(request.user, round_id)
    rnd = access.round
    context = {"round": rnd, "access": access, "choices": OpinionAnswer.Choice.choices,
               "my_answer": OpinionAnswer.objects.filter(round=rnd, user=request.user).first(),
               "draft_original": may_receive_original(request.user, rnd.draft)}
    if access.manages:
        context["summary"] = actions.summary(rnd)
    return render(request, "meetings/documents/opinion_detail.html", context)


@page
@require_POST
def opinion_action(request: HttpRequest, round_id: int, action: str) -> HttpResponse:
    access = actions.round_access(request.user, round_id)
    back = reverse("opinion_detail", args=[round_id])
    try:
        if action == "answer":
            check_content_length(request)
            actions.do_answer(access, actor=request.user, choice=request.POST.get("choice", ""),
                              comment=request.POST.get("comment", ""), upload=uploaded_file(request))
            messages.success(request, _("Your opinion was recorded."))
        elif action == "remind":
            count = actions.do_remind(access, actor=request.user)
            messages.success(request, _("Reminders sent: %(count)s.") % {"count": count})
        elif action == "close":
            actions.do_close_round(access, actor=request.user)
            messages.success(request, _("The round was closed."))
        else:
            raise Http404
    except ActionError as exc:
        return refused(request, exc, back)
    return redirect(back)


@page
def opinion_export(request: HttpRequest, round_id: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "pdf"):
        raise Http404
    try:
        return export_response(request, round_id, fmt)
    except ActionError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from None
        messages.error(request, exc.message)
        return redirect("opinion_detail", round_id)


urlpatterns = [
    path("opinions/", opinion_list, name="opinion_list"),
    path("opinions/new/", opinion_new, name="opinion_new"),
    path("opinions/<int:round_id>/", opinion_detail, name="opinion_detail"),
    path("opinions/<int:round_id>/export.<slug:fmt>", opinion_export, name="opinion_export"),
    path("opinions/<int:round_id>/<slug:action>/", opinion_action, name="opinion_action"),
]
