/* The meeting's online link and, when the installation has a Jitsi Meet server (cfg.jitsi, from
   settings.JITSI_URL), the conference embedded through Jitsi's iframe API. The link is for those
   running the meeting and those who checked in remotely; the embed only for the latter. */

import { joinsRemotely, seesOnlineLink } from "./state.js";

const $ = (id) => document.getElementById(id);

/** createConference({ cfg, T }) returns update(state), called on every new state. */
export function createConference({ cfg, T }) {
  const box = $("online");
  if (!box) return () => {};
  const jitsi = cfg.jitsi;
  let api = null, loading = null;

  function loadScript() {
    if (window.JitsiMeetExternalAPI) return Promise.resolve();
    if (!loading) {
      loading = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        const nonce = document.querySelector("script[nonce]");
        if (nonce && nonce.nonce) script.nonce = nonce.nonce;
        script.src = jitsi.script;
        script.onload = () => resolve();
        script.onerror = () => { loading = null; script.remove(); reject(new Error("load")); };
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function join() {
    const error = $("conference-error"), button = $("conference-join");
    error.hidden = true;
    button.disabled = true;
    loadScript().then(() => {
      if (api) return;
      api = new window.JitsiMeetExternalAPI(jitsi.domain, {
        roomName: jitsi.roomName,
        parentNode: $("conference-frame"),
        width: "100%",
        height: "100%",
        userInfo: { displayName: jitsi.displayName },
      });
      button.hidden = true;
    }).catch(() => {
      error.textContent = T.conference_failed;
      error.hidden = false;
    }).finally(() => { button.disabled = false; });
  }

  function leave() {
    if (!api) return;
    try { api.dispose(); } catch (_) { /* already gone */ }
    api = null;
    $("conference-frame").replaceChildren();
    $("conference-join").hidden = false;
  }

  if (jitsi) $("conference-join").addEventListener("click", join);

  return function update(s) {
    const url = s.meeting.online_url || (jitsi ? jitsi.url : "");
    const showLink = seesOnlineLink(s) && !!url;
    const embed = !!jitsi && joinsRemotely(s);
    const link = $("online-link");
    if (link.getAttribute("href") !== url) {
      link.setAttribute("href", url);
      link.textContent = url;
    }
    $("online-link-box").hidden = !showLink;
    if (jitsi) {
      $("conference").hidden = !embed;
      if (!embed) leave(); // checked in in the room instead: the conference goes
    }
    box.hidden = !(showLink || embed);
  };
}
