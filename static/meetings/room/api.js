/* Every change goes through the JSON API; a refusal comes back as {"error": {"code", "message"}}. */

function csrf() {
  const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** POST JSON (or FormData) to the API; resolves with the body, rejects with {code, message}. */
export async function post(api, path, body, fallbackMessage) {
  const isForm = body instanceof FormData;
  const headers = { "X-CSRFToken": csrf() };
  if (!isForm) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(api + path, {
      method: "POST", credentials: "same-origin", headers,
      body: isForm ? body : JSON.stringify(body || {}),
    });
  } catch (_) {
    throw { code: "network", message: fallbackMessage };
  }
  let json = {};
  try { json = await response.json(); } catch (_) { /* an empty or HTML body */ }
  if (!response.ok) {
    const error = json.error || {};
    throw { code: error.code || "error", message: error.message || fallbackMessage, fields: error.fields };
  }
  return json;
}
