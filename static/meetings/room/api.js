/* The room's calls to the JSON API, through the one client (static/ecabinet/net.js). */

import { api } from "../../ecabinet/net.js";

/** POST JSON (or FormData) to the API; resolves with the body, rejects with an ApiError
    {code, message}. `options.queue`: a change allowed offline (net.js queues it and sends it
    once on reconnect). */
export async function post(apiBase, path, body, fallbackMessage, options = {}) {
  return api("POST", apiBase + path, body || {}, { fallbackMessage, ...options });
}
