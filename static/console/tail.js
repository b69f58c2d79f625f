// A live panel over a WebSocket: an element with data-live-socket="/ws/…/" (and an id) is
// re-read from the server (data-live-url, else this page) and swapped in place each time the
// socket says rows it shows changed ({"type": "changed", "what": [...]}, filtered by
// data-live-what when given). The database stays the truth: the message only says "look
// again". Bursts are coalesced (one read in flight, one more queued, reads at least
// data-live-every ms apart, default 1000); a change while the tab
// is hidden is read when it shows again; a dropped socket reconnects with back-off and reads
// once, so nothing committed meanwhile is missed.
(function () {
  "use strict";
  const panel = document.querySelector("[data-live-socket]");
  if (!panel || !panel.id) return;
  const wanted = (panel.dataset.liveWhat || "").split(/\s+/).filter(Boolean);
  const every = Number(panel.dataset.liveEvery) || 1000;
  let reading = false, again = false, missed = false, delay = 1000, lastRead = 0;

  async function read() {
    if (document.hidden) { missed = true; return; }
    if (reading) { again = true; return; }
    reading = true;
    const wait = lastRead + every - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    lastRead = Date.now();
    try {
      const response = await fetch(panel.dataset.liveUrl || location.href, {headers: {"Accept": "text/html"}});
      if (response.ok) {
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById(panel.id);
        if (fresh) {
          panel.replaceChildren(...fresh.childNodes);
          if (window.stepbridgeTime) window.stepbridgeTime.all(panel);
          panel.dispatchEvent(new CustomEvent("live:updated", {bubbles: true}));
        }
      }
    } catch (e) { /* offline for a moment: the next change or reconnect reads again */ }
    reading = false;
    if (again) { again = false; read(); }
  }

  function connect(reconnecting) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${panel.dataset.liveSocket}`);
    socket.addEventListener("open", () => {
      delay = 1000;
      panel.dataset.liveState = "open";
      if (reconnecting) read();
    });
    socket.addEventListener("message", (message) => {
      const data = JSON.parse(message.data);
      if (data.type !== "changed") return;
      if (wanted.length && !data.what.some((what) => wanted.includes(what))) return;
      read();
    });
    socket.addEventListener("close", () => {
      panel.dataset.liveState = "closed";
      setTimeout(() => connect(true), delay);
      delay = Math.min(delay * 2, 30000);
    });
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && missed) { missed = false; read(); }
  });
  connect(false);
})();
