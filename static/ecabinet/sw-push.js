/* Web Push in the service worker (loaded by /sw.js with importScripts): the `push` listener shows
 * the notification the server sent, the `notificationclick` listener focuses a tab of the app on
 * its address or opens one. The payload is small JSON written by ecabinet/push.py, already in the
 * person's own language: {"title", "body", "url", "tag"}. Only same-origin addresses are opened. */
/* eslint-env serviceworker */
(function () {
  "use strict";

  function sameOriginUrl(url) {
    try {
      const parsed = new URL(url || "/", self.location.origin);
      return parsed.origin === self.location.origin ? parsed.href : self.location.origin + "/";
    } catch (_) {
      return self.location.origin + "/";
    }
  }

  function readPayload(event) {
    if (!event.data) return {};
    try {
      const data = event.data.json();
      return data && typeof data === "object" ? data : {};
    } catch (_) {
      return { body: event.data.text() };
    }
  }

  self.addEventListener("push", (event) => {
    const data = readPayload(event);
    const title = typeof data.title === "string" && data.title ? data.title : "eCabinet";
    const options = {
      body: typeof data.body === "string" ? data.body : "",
      tag: typeof data.tag === "string" && data.tag ? data.tag : undefined,
      renotify: Boolean(data.tag),
      icon: typeof data.icon === "string" ? sameOriginUrl(data.icon) : "/favicon.ico",
      data: { url: sameOriginUrl(data.url) },
    };
    event.waitUntil(self.registration.showNotification(title, options));
  });

  self.addEventListener("notificationclick", (event) => {
    event.notification.close();
    const target = sameOriginUrl(event.notification.data && event.notification.data.url);
    event.waitUntil((async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      for (const client of windows) {
        if (client.url === target && "focus" in client) return client.focus();
      }
      for (const client of windows) {
        if (new URL(client.url).origin === self.location.origin && "navigate" in client) {
          try {
            const navigated = await client.navigate(target);
            if (navigated) return navigated.focus();
          } catch (_) { /* an uncontrolled tab cannot be navigated: open a new one */ }
        }
      }
      if (self.clients.openWindow) return self.clients.openWindow(target);
      return undefined;
    })());
  });
})();
