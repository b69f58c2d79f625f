// A live panel without a socket: an element with data-live-refresh="N" is re-read from the
// server (data-live-url, else this page) every N seconds while the tab is visible, and
// swapped in place.
(function () {
  "use strict";
  const panel = document.querySelector("[data-live-refresh]");
  if (!panel || !panel.id) return;
  const seconds = Number(panel.dataset.liveRefresh) || 10;
  async function refresh() {
    if (document.hidden) return;
    try {
      const response = await fetch(panel.dataset.liveUrl || location.href, {headers: {"Accept": "text/html"}});
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById(panel.id);
      if (fresh) {
        panel.replaceChildren(...fresh.childNodes);
        if (window.stepbridgeTime) window.stepbridgeTime.all(panel);
      }
    } catch (e) { /* offline for a moment: the next tick tries again */ }
  }
  setInterval(refresh, seconds * 1000);
})();
