/* The one way a page's script calls the JSON API: same-origin, CSRF token, JSON or FormData, and
 * a refusal ({"error": {"code", "message", "fields"}}) thrown as an ApiError whose message is in
 * the user's language. Callers catch it and show `message`: no promise is left unhandled.
 *
 * Changes a person may make without a connection (a personal note, a check-in in the room, a
 * request to speak) pass {queue: true}: each call carries an Idempotency-Key, so a request sent
 * again after a drop is applied once; while offline it is kept and sent on reconnect (the offline
 * queue, static/ecabinet/offline.js), and the promise resolves with {queued: true}. */

import { csrfToken, networkMessage } from "./http.js";
import { enqueue } from "./offline.js";

export { csrfToken, networkMessage };

export class ApiError extends Error {
  constructor(code, message, status, fields) {
    super(message);
    this.code = code;
    this.status = status;
    this.fields = fields;
  }
}

export function newIdempotencyKey() {
  return crypto.randomUUID();
}

/** Send one request. Resolves with the JSON body (null when empty); throws ApiError.
 * {queue: true} (JSON bodies only): offline, or when the request gets no answer, the change is
 * kept in the offline queue and the promise resolves with {queued: true, key}. */
export async function api(method, url, body, options = {}) {
  const isForm = body instanceof FormData;
  const queue = Boolean(options.queue) && !isForm;
  const key = options.idempotencyKey || (queue ? newIdempotencyKey() : null);
  const headers = { "X-CSRFToken": csrfToken(), "Accept": "application/json" };
  if (body !== undefined && !isForm) headers["Content-Type"] = "application/json";
  if (key) headers["Idempotency-Key"] = key;
  const keep = async () => {
    try {
      await enqueue({ method, url, body, key, label: options.label });
      return { queued: true, key };
    } catch (_) { // no IndexedDB (a private window in some browsers): a plain failure
      throw new ApiError("network", options.fallbackMessage || networkMessage(), 0);
    }
  };
  if (queue && !navigator.onLine) return keep();
  let response;
  try {
    response = await fetch(url, {
      method, credentials: "same-origin", headers,
      body: body === undefined ? undefined : (isForm ? body : JSON.stringify(body)),
    });
  } catch (_) {
    if (queue) return keep();
    throw new ApiError("network", options.fallbackMessage || networkMessage(), 0);
  }
  let json = null;
  try { json = await response.json(); } catch (_) { /* an empty or HTML body */ }
  if (!response.ok) {
    const error = (json && json.error) || {};
    throw new ApiError(error.code || "error", error.message || options.fallbackMessage || networkMessage(),
                       response.status, error.fields);
  }
  return json;
}
