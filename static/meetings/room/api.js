/* The room's calls to the JSON API, through the one client (static/ecabinet/net.js). */

import { api } from "../../ecabinet/net.js";

/** POST JSON (or FormData) to the API; resolves with the body, rejects with an ApiError
    {code, message}. */
export async function post(apiBase, path, body, fallbackMessage) {
  return api("POST", apiBase + path, body || {}, { fallbackMessage });
}

/** POST a change allowed offline (a check-in, a request to speak): kept in the offline queue when
 *  there is no connection and sent once on reconnect; resolves with {queued: true} then. */
export async function postQueued(apiBase, path, body, fallbackMessage, label) {
  return api("POST", apiBase + path, body || {}, { fallbackMessage, queue: true, label });
}
