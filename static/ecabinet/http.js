/* What every request from a page needs, shared by the API client (net.js) and the offline queue
 * (offline.js) without either importing the other in a circle (the hashed static names of
 * modules that import each other could not be computed). */

export function csrfToken() {
  const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

/** A message for a failure with no answer from the server, in the page's language. */
export function networkMessage() {
  return document.documentElement.lang === "en"
    ? "No connection to the server. Please try again."
    : "Không kết nối được máy chủ. Vui lòng thử lại.";
}
