"""In headless Chromium over daphne: the unread badge changes live (no reload) when the server
creates a notification and when the person marks them read in another tab; the notification
settings page at phone size, subscribing this device.

Headless Chromium has no push service: its real ``pushManager.subscribe`` always fails
("Registration failed - permission denied", even with the permission granted). So one test goes
as far as the real browser goes (permission asked, subscribe refused, the page says so and
registers nothing); the other stands in for the browser's push service at that one boundary
(``PushManager.prototype.subscribe`` hands out subscriptions to the test's own push service on
loopback) and follows the rest for real: the page registers the device with the API, the server
pushes to it, the test decrypts the push and delivers it to the real service worker (DevTools'
ServiceWorker.deliverPushMessage), whose sw-push.js shows the notification."""

from __future__ import annotations

import base64
import json

import pytest
from django.conf import settings
from django.db import transaction

from ecabinet.actions import do_subscribe_push, notify_users
from ecabinet.models import PushSubscription
from meetings.models import Meeting
from tests.kit.browser import new_context
from tests.kit.push import Device, PushService
from tests.kit.rooms import make_room

pytestmark = pytest.mark.django_db(transaction=True)

POST_FROM_PAGE = """async (url) => {
  const token = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/)[1];
  const response = await fetch(url, {method: "POST", headers: {"X-CSRFToken": token, "Accept": "application/json"}});
  return response.status;
}"""


def test_the_unread_badge_updates_live(app_server, browser):
    server = app_server
    room = make_room(Meeting.Status.DRAFT, prefix="badge")
    member = new_context(browser, server.url, room.member, phone=True, locale="vi-VN").new_page()
    member.goto(f"{server.url}/")
    member.wait_for_selector("html[data-me-socket=open]")
    badge = member.locator("[data-testid=unread-count]")  # beside "Notifications", in the folded menu
    menu_badge = member.locator("[data-testid=unread-count-menu]")  # on the menu button, in sight
    assert badge.is_hidden() and menu_badge.is_hidden()
    member.evaluate("window.notReloaded = true")

    # the secretary schedules the meeting: the invitation is a notification made by the server
    secretary = new_context(browser, server.url, room.secretary, phone=True).new_page()
    secretary.goto(f"{server.url}/")
    assert secretary.evaluate(POST_FROM_PAGE, f"/api/v1/meetings/{room.meeting.pk}/schedule") == 200
    member.wait_for_selector("[data-testid=unread-count-menu]:visible")
    assert menu_badge.inner_text() == "1"
    member.click("label.nav-toggle-label")
    assert badge.is_visible() and badge.inner_text() == "1"
    assert member.evaluate("window.notReloaded") is True

    # read in another tab: the first one's badge goes away, still without a reload
    other_tab = member.context.new_page()
    other_tab.goto(f"{server.url}/notifications/")
    other_tab.click("main.content form button[type=submit]")
    member.wait_for_selector("[data-testid=unread-count]", state="hidden")
    assert menu_badge.is_hidden()
    assert member.evaluate("window.notReloaded") is True
    assert member.evaluate("document.documentElement.dataset.unread") == "0"


def test_the_settings_page_on_a_phone(app_server, browser):
    server = app_server
    room = make_room(Meeting.Status.DRAFT, prefix="prefs")
    context = new_context(browser, server.url, room.member, phone=True, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.url}/")
    page.click("label.nav-toggle-label")
    page.click("nav.mainnav a[href='/profile/notifications/']")
    page.wait_for_url(f"{server.url}/profile/notifications/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.uncheck("[data-testid=push-category-vote_opened]")
    page.click("form[data-testid=push-preferences] button[type=submit]")
    page.wait_for_selector(".messages li")
    assert not page.is_checked("[data-testid=push-category-vote_opened]")
    assert page.is_checked("[data-testid=push-category-signing]")
    room.member.refresh_from_db()
    assert room.member.push_muted == ["vote_opened"]
    assert errors == []


def test_the_real_push_manager_as_far_as_headless_chromium_goes(app_server, browser):
    server = app_server
    room = make_room(Meeting.Status.DRAFT, prefix="real")
    context = new_context(browser, server.url, room.member, phone=True, locale="vi-VN")
    context.grant_permissions(["notifications"], origin=server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.url}/profile/notifications/")
    page.wait_for_selector("#push-device[data-state=off]")
    assert page.inner_text("[data-testid=push-toggle]") == "Nhận thông báo trên thiết bị này"
    page.click("[data-testid=push-toggle]")
    page.wait_for_selector("#push-device[data-state=failed]")
    assert page.inner_text("[data-testid=push-status]") == (
        "Trình duyệt không đăng ký nhận thông báo cho thiết bị này được. Vui lòng thử lại sau.")
    assert not PushSubscription.objects.exists()
    assert errors == []


STAND_IN_PUSH_SERVICE = """(subscriptions, held) => {
  let given = 0;
  let current = null;
  if (held) {  // a subscription this browser already has
    current = {endpoint: held.endpoint, options: {applicationServerKey: null}, toJSON: () => held,
               unsubscribe: async () => { current = null; window.unsubscribed = true; return true; }};
  }
  PushManager.prototype.subscribe = async function (options) {
    window.askedWithKey = btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)));
    const json = subscriptions[given++];
    current = {endpoint: json.endpoint, options: {applicationServerKey: options.applicationServerKey.buffer},
               toJSON: () => json, unsubscribe: async () => { current = null; return true; }};
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
}"""


def service_worker_registration(cdp, page) -> str:
    registrations: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        live = [r for r in registrations if not r.get("isDeleted")]
        if live:
            return live[-1]["registrationId"]
        page.wait_for_timeout(100)
    raise AssertionError("no service worker registration")


def test_the_page_subscribes_this_device_and_a_push_reaches_its_service_worker(app_server, browser):
    server = app_server
    room = make_room(Meeting.Status.DRAFT, prefix="sub")
    with PushService() as service:
        taken, phone = Device(service.endpoint("taken")), Device(service.endpoint("phone"))
        # someone who used this browser before still holds its first subscription
        do_subscribe_push(actor=room.outsider, endpoint=taken.endpoint, p256dh=taken.p256dh,
                          auth=taken.subscription()["keys"]["auth"])
        context = new_context(browser, server.url, room.member, phone=True, locale="vi-VN")
        context.grant_permissions(["notifications"], origin=server.url)
        context.add_init_script(script=f"({STAND_IN_PUSH_SERVICE})({json.dumps([taken.subscription(), phone.subscription()])})")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        cdp = context.new_cdp_session(page)
        page.goto(f"{server.url}/profile/notifications/")
        registration = service_worker_registration(cdp, page)
        page.wait_for_selector("#push-device[data-state=off]")
        page.click("[data-testid=push-toggle]")
        page.wait_for_selector("#push-device[data-state=on]")
        assert page.inner_text("[data-testid=push-status]") == "Thiết bị này đang nhận thông báo của đồng chí."
        assert page.inner_text("[data-testid=push-toggle]") == "Ngừng nhận thông báo trên thiết bị này"
        key = base64.urlsafe_b64decode(settings.VAPID_PUBLIC_KEY + "=")
        assert page.evaluate("window.askedWithKey") == base64.b64encode(key).decode()
        # the taken endpoint stayed the outsider's; this browser's new subscription is the member's
        mine = PushSubscription.objects.get(user=room.member)
        assert mine.endpoint == phone.endpoint and mine.p256dh == phone.p256dh
        assert PushSubscription.objects.get(endpoint=taken.endpoint).user == room.outsider

        with transaction.atomic():
            notify_users([room.member], kind="signing.request", title="Vui lòng ký “Tờ trình số 3”",
                         body="Đề nghị đồng chí ký văn bản.", url="/notifications/", email=False)
        [received] = service.to("phone")
        payload = phone.read(received)
        cdp.send("ServiceWorker.deliverPushMessage", {"origin": f"{server.url}/", "registrationId": registration,
                                                      "data": json.dumps(payload)})
        page.wait_for_function("""async () => {
            const registration = await navigator.serviceWorker.ready;
            return (await registration.getNotifications()).length === 1; }""")
        shown = page.evaluate("""async () => {
            const [n] = await (await navigator.serviceWorker.ready).getNotifications();
            return {title: n.title, body: n.body, tag: n.tag, url: n.data.url}; }""")
        assert shown == {"title": "Vui lòng ký “Tờ trình số 3”", "body": "Đề nghị đồng chí ký văn bản.",
                         "tag": "signing.request:/notifications/", "url": f"{server.url}/notifications/"}

        page.click("[data-testid=push-toggle]")
        page.wait_for_selector("#push-device[data-state=off]")
        assert not PushSubscription.objects.filter(user=room.member).exists()
        assert errors == []


def test_each_visit_confirms_this_browsers_subscription_with_the_server(app_server, browser):
    server = app_server
    room = make_room(Meeting.Status.DRAFT, prefix="again")
    with PushService() as service:
        dropped, someone_elses = Device(service.endpoint("dropped")), Device(service.endpoint("elses"))
        do_subscribe_push(actor=room.outsider, endpoint=someone_elses.endpoint, p256dh=someone_elses.p256dh,
                          auth=someone_elses.subscription()["keys"]["auth"])
        pages = {}
        for name, held in (("dropped", dropped), ("elses", someone_elses)):
            context = new_context(browser, server.url, room.member, phone=True, locale="vi-VN")
            context.grant_permissions(["notifications"], origin=server.url)
            context.add_init_script(script=f"({STAND_IN_PUSH_SERVICE})([], {json.dumps(held.subscription())})")
            pages[name] = context.new_page()
            pages[name].goto(f"{server.url}/profile/notifications/")
        # the server had dropped this device (its service once said gone): it is registered again
        pages["dropped"].wait_for_selector("#push-device[data-state=on]")
        assert PushSubscription.objects.get(endpoint=dropped.endpoint).user == room.member
        # this browser still held the subscription of someone who signed in here before: dropped,
        # so their notifications stop coming to this device, and it shows as not receiving
        pages["elses"].wait_for_selector("#push-device[data-state=off]")
        assert pages["elses"].evaluate("window.unsubscribed") is True
        assert PushSubscription.objects.get(endpoint=someone_elses.endpoint).user == room.outsider
