/* The notification settings page (templates/ecabinet/push_preferences.html): subscribe this
 * device to Web Push, or stop it. Asks the browser's permission, subscribes through the service
 * worker's pushManager with the server's VAPID key and registers the subscription with the API
 * (POST/DELETE /api/v1/me/push-subscriptions). Texts come from the template's data attributes. */
import { api, ApiError } from "./net.js";

const box = document.getElementById("push-device");

function keyBytes(base64url) {
  const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(padded);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function supported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

if (box) {
  const status = box.querySelector("[data-testid=push-status]");
  const button = box.querySelector("[data-testid=push-toggle]");
  const text = (name) => box.dataset["text" + name[0].toUpperCase() + name.slice(1)] || "";
  let registration = null;
  let busy = false;

  const show = (message, state) => {
    status.textContent = message;
    box.dataset.state = state;
  };

  const render = async () => {
    const subscription = registration ? await registration.pushManager.getSubscription() : null;
    if (Notification.permission === "denied") {
      show(text("blocked"), "blocked");
      button.hidden = true;
      return;
    }
    show(subscription ? text("on") : text("off"), subscription ? "on" : "off");
    button.textContent = subscription ? text("unsubscribe") : text("subscribe");
    button.hidden = false;
  };

  const sendToServer = (subscription) => {
    const json = subscription.toJSON();
    return api("POST", box.dataset.subscriptionsUrl, {
      endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth },
    });
  };

  const subscribe = async () => {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") return;
    const options = { userVisibleOnly: true, applicationServerKey: keyBytes(box.dataset.publicKey) };
    let subscription = await registration.pushManager.getSubscription();
    if (subscription) {
      // made with another key (the server's key was replaced): a new one is needed
      const key = subscription.options && subscription.options.applicationServerKey;
      const current = key ? btoa(String.fromCharCode(...new Uint8Array(key))) : null;
      const wanted = btoa(String.fromCharCode(...options.applicationServerKey));
      if (current !== wanted) { await subscription.unsubscribe(); subscription = null; }
    }
    if (!subscription) subscription = await registration.pushManager.subscribe(options);
    try {
      await sendToServer(subscription);
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== "endpoint_taken") throw error;
      // this browser's subscription belongs to someone who signed in here before: a new one
      await subscription.unsubscribe();
      await sendToServer(await registration.pushManager.subscribe(options));
    }
  };

  // This browser's subscription told to the server again on each visit: a device dropped there
  // (its service once failed) comes back; one registered by someone who signed in here before
  // is shown as not receiving, and subscribing makes a new one for this person.
  const confirmWithServer = async () => {
    const subscription = await registration.pushManager.getSubscription();
    if (!subscription || Notification.permission !== "granted") return;
    try {
      await sendToServer(subscription);
    } catch (error) {
      if (error instanceof ApiError && error.code === "endpoint_taken") {
        await subscription.unsubscribe().catch(() => false);
      }
    }
  };

  const unsubscribe = async () => {
    const subscription = await registration.pushManager.getSubscription();
    if (!subscription) return;
    try {
      await api("DELETE", box.dataset.subscriptionsUrl, { endpoint: subscription.endpoint });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
    }
    await subscription.unsubscribe();
  };

  button.addEventListener("click", async () => {
    if (busy || !registration) return;
    busy = true;
    button.disabled = true;
    const subscribed = box.dataset.state === "on";
    show(text("working"), "working");
    try {
      await (subscribed ? unsubscribe() : subscribe());
      await render();
    } catch (error) {
      await render().catch(() => {});
      show(error instanceof ApiError ? error.message : text("failed"), "failed");
    } finally {
      busy = false;
      button.disabled = false;
    }
  });

  (async () => {
    if (!supported()) {
      show(text("unsupported"), "unsupported");
      return;
    }
    try {
      await navigator.serviceWorker.register(box.dataset.swUrl);
      registration = await navigator.serviceWorker.ready;
      await confirmWithServer();
      await render();
    } catch (_) {
      show(text("unsupported"), "unsupported");
    }
  })();
}
