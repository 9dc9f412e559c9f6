/* The room's calls to the JSON API, through the one client (static/ecabinet/net.js). */

import { api } from "../../ecabinet/net.js";

/** POST JSON (or FormData) to the API; resolves with the body, rejects with {code, message}. */
export async function post(apiBase, path, body, fallbackMessage) {
  return api("POST", apiBase + path, body || {}, { fallbackMessage });
}
