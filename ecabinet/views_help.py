"""Pages of the user guide (tender fn4): the index for the viewer's roles, a topic's pages, a page,
and for system administrators the editor (title, audience, topic, rich text, images, PDFs, video
links, order, published or draft). Files leave through `ecabinet.help.file_response`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecabinet.access import may_edit_help, require_may_edit_help
from ecabinet.actions_help import (
    do_add_help_file,
    do_create_help_page,
    do_delete_help_page,
    do_record_help_download,
    do_remove_help_file,
    do_update_help_page,
)
from ecabinet.clientip import client_ip
from ecabinet.errors import ActionError
from ecabinet.help import (
    TOPICS,
    checked_bytes,
    file_response,
    ordered_by_audience,
    pages_for,
    topic_label,
    video_links,
)
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import parse_input
from ecabinet.models import HelpFile, HelpPage
from ecabinet.refusals import FormPage, refusal_response
from ecabinet.schemas import HelpFileIn, HelpPageIn


def _page_for(request: AuthenticatedHttpRequest, page_id: int) -> HelpPage:
    """A page the viewer may read (a draft only for its editors); anything else is a 404."""
    page = pages_for(request.user).filter(pk=page_id).first()
    if page is None:
        raise Http404
    return page


def _editable(request: AuthenticatedHttpRequest, page_id: int) -> HelpPage:
    require_may_edit_help(request.user)
    return _page_for(request, page_id)


@login_required
@require_GET
def help_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The guide for the viewer's roles, by topic; editors see drafts and every audience."""
    pages = list(pages_for(request.user).only("pk", "title", "summary", "topic", "audience", "published", "position"))
    sections = []
    for key in TOPICS:
        in_topic = ordered_by_audience(p for p in pages if p.topic == key)
        if in_topic:
            sections.append({"key": key, "label": topic_label(key), "pages": in_topic})
    return render(request, "ecabinet/help/index.html", {
        "sections": sections, "may_edit": may_edit_help(request.user),
    })


@login_required
@require_GET
def help_topic(request: AuthenticatedHttpRequest, topic: str) -> HttpResponse:
    """The header's "Help" link: the topic's page for the viewer's roles (the most specific
    audience first); several: the list; none: the index."""
    if topic not in TOPICS:
        raise Http404
    pages = ordered_by_audience(pages_for(request.user).filter(topic=topic, published=True)
                                .only("pk", "title", "summary", "audience", "position"))
    if not pages:
        messages.info(request, _("There is no help page on this subject for you yet: here is the whole guide."))
        return redirect("help_index")
    if len(pages) == 1:
        return redirect("help_page", pages[0].pk)
    return render(request, "ecabinet/help/topic.html", {"topic": topic_label(topic), "pages": pages})


@login_required
@require_GET
def help_page(request: AuthenticatedHttpRequest, page_id: int) -> HttpResponse:
    page = _page_for(request, page_id)
    files = list(page.files.defer("data"))
    return render(request, "ecabinet/help/page.html", {
        "page": page, "topic": topic_label(page.topic), "may_edit": may_edit_help(request.user),
        "images": [f for f in files if f.kind == HelpFile.Kind.IMAGE],
        "pdfs": [f for f in files if f.kind == HelpFile.Kind.PDF],
        "videos": video_links(page.videos),
    })


def _form_context(page: HelpPage | None, data: dict | None = None) -> dict:
    if data is None and page is not None:
        data = {"title": page.title, "audience": page.audience, "topic": page.topic, "summary": page.summary,
                "body": page.body, "videos": "\n".join(page.videos), "position": page.position,
                "published": page.published}
    return {"page": page, "data": data or {"audience": "everyone", "topic": "general", "position": 100},
            "topics": [(k, str(v)) for k, v in TOPICS.items()],
            "audiences": [(code, str(label)) for code, label in HelpPage.Audience.choices],
            "files": list(page.files.defer("data")) if page is not None else []}


def _posted(request: AuthenticatedHttpRequest) -> dict:
    data: dict[str, str | bool] = {k: request.POST.get(k, "") for k in ("title", "audience", "topic", "summary", "body", "videos",
                                                 "position")}
    data["published"] = request.POST.get("published") == "on"
    return data


@login_required
def help_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_may_edit_help(request.user)
    if request.method != "POST":
        return render(request, "ecabinet/help/edit.html", _form_context(None))
    posted = _posted(request)
    form = FormPage("ecabinet/help/edit.html", _form_context(None, posted))
    try:
        page = do_create_help_page(actor=request.user, data=parse_input(HelpPageIn, posted))
    except ActionError as exc:
        return refusal_response(request, exc, form=form)
    messages.success(request, _("The help page was saved."))
    return redirect("help_edit", page.pk)


@login_required
def help_edit(request: AuthenticatedHttpRequest, page_id: int) -> HttpResponse:
    page = _editable(request, page_id)
    if request.method != "POST":
        return render(request, "ecabinet/help/edit.html", _form_context(page))
    posted = _posted(request)
    form = FormPage("ecabinet/help/edit.html", _form_context(page, posted))
    try:
        do_update_help_page(page, actor=request.user, data=parse_input(HelpPageIn, posted))
    except ActionError as exc:
        return refusal_response(request, exc, form=form)
    messages.success(request, _("The help page was saved."))
    return redirect("help_edit", page.pk)


@login_required
@require_POST
def help_delete(request: AuthenticatedHttpRequest, page_id: int) -> HttpResponse:
    page = _editable(request, page_id)
    do_delete_help_page(page, actor=request.user)
    messages.success(request, _("The help page was deleted."))
    return redirect("help_index")


@login_required
@require_POST
def help_file_add(request: AuthenticatedHttpRequest, page_id: int) -> HttpResponse:
    page = _editable(request, page_id)
    data = parse_input(HelpFileIn, {"title": request.POST.get("title", "")})
    form = FormPage("ecabinet/help/edit.html", _form_context(page))
    try:
        do_add_help_file(page, actor=request.user, upload=request.FILES.get("file"), title=data.title)
    except ActionError as exc:
        return refusal_response(request, exc, form=form)
    messages.success(request, _("The file was added."))
    return redirect(reverse("help_edit", args=[page.pk]) + "#files")


def _file_for(request: AuthenticatedHttpRequest, file_id: int) -> HelpFile:
    row = HelpFile.objects.filter(pk=file_id, page__in=pages_for(request.user)).first()
    if row is None:
        raise Http404
    return row


@login_required
@require_POST
def help_file_remove(request: AuthenticatedHttpRequest, file_id: int) -> HttpResponse:
    require_may_edit_help(request.user)
    row = _file_for(request, file_id)
    do_remove_help_file(row, actor=request.user)
    messages.success(request, _("The file was removed."))
    return redirect(reverse("help_edit", args=[row.page_id]) + "#files")


@login_required
@require_GET
def help_file(request: AuthenticatedHttpRequest, file_id: int) -> HttpResponse:
    """An image (inline) or a PDF of a page the viewer may read: the stored bytes, checked."""
    row = _file_for(request, file_id)
    data = checked_bytes(row)
    pdf = row.kind == HelpFile.Kind.PDF
    if pdf:
        do_record_help_download(row, actor=request.user, details={
            "page": row.page_id, "sha256": row.sha256, "size": len(data), "delivery": "original",
            "path": request.path, "ip": client_ip(request)})
    return file_response(data, content_type=row.content_type, filename=row.name, inline=True, pdf=pdf)
