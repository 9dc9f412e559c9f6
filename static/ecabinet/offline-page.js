/* The offline page: lists what this device keeps for reading offline (the last pack the service
 * worker synced, static/ecabinet/sw.js), pages only, so the person can open them. */

async function savedPages() {
  if (!window.caches) return [];
  const meta = await caches.open("ecab-meta");
  const [userResponse, packResponse] = await Promise.all([meta.match("/__ecab/user"), meta.match("/__ecab/pack")]);
  if (!userResponse || !packResponse) return [];
  const [{ user }, pack] = await Promise.all([userResponse.json(), packResponse.json()]);
  if (pack.user !== user) return [];
  const cache = await caches.open("ecab-user-" + user);
  const pages = [];
  for (const entry of pack.entries) {
    if (entry.kind === "page" && await cache.match(entry.url, { ignoreVary: true })) pages.push(entry);
  }
  return pages;
}

savedPages().then((pages) => {
  const list = document.getElementById("offline-saved-list");
  if (!pages.length || !list) return;
  const seen = new Set();
  pages.forEach((entry) => {
    if (seen.has(entry.url)) return;
    seen.add(entry.url);
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = entry.url;
    a.textContent = entry.title;
    li.append(a);
    list.append(li);
  });
  document.getElementById("offline-saved").hidden = false;
}).catch(() => undefined);
