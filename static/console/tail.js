// Live panels over a WebSocket: an element with data-live-socket="/ws/…/" (and an id) is
// re-read from the server (data-live-url, else this page) and swapped in place each time the
// socket says rows it shows changed ({"type": "changed", "what": [...]}, filtered by
// data-live-what when given). The database stays the truth: the message only says "look
// again". Panels naming one socket share it and one read (the first panel's data-live-url and
// data-live-every), each swapped from it, so a page can mark several regions (a queue's counts
// and its messages) without the parts between them. Bursts are coalesced (one read in flight,
// one more queued, reads at least data-live-every ms apart, default 1000); a change while the
// tab is hidden is read when it shows again; a dropped socket reconnects with back-off and reads
// once, so nothing committed meanwhile is missed. What changes with time alone, no commit to say
// so (a delayed message becoming visible), a panel marks with an element
// data-live-next="<ISO moment>": the panels are read again just after the earliest such moment.
(function () {
  "use strict";
  const bySocket = new Map();
  for (const panel of document.querySelectorAll("[data-live-socket][id]")) {
    const path = panel.dataset.liveSocket;
    bySocket.set(path, [...(bySocket.get(path) || []), panel]);
  }
  bySocket.forEach((panels, path) => tail(path, panels));

  function tail(path, panels) {
    const first = panels[0];
    // A panel without data-live-what wants every change; otherwise the kinds any panel names.
    const wanted = panels.some((panel) => !panel.dataset.liveWhat) ? [] :
      panels.flatMap((panel) => panel.dataset.liveWhat.split(/\s+/).filter(Boolean));
    const every = Number(first.dataset.liveEvery) || 1000;
    let reading = false, again = false, missed = false, delay = 1000, lastRead = 0, timer = 0;

    function readAtNextChange() {
      clearTimeout(timer);
      const moments = panels.flatMap((panel) =>
        [...panel.querySelectorAll("[data-live-next]")].map((marker) => Date.parse(marker.dataset.liveNext)));
      const next = Math.min(...moments.filter((moment) => !Number.isNaN(moment)));
      if (Number.isFinite(next)) timer = setTimeout(read, Math.max(0, next - Date.now()) + 250);
    }

    async function read() {
      if (document.hidden) { missed = true; return; }
      if (reading) { again = true; return; }
      reading = true;
      const wait = lastRead + every - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      lastRead = Date.now();
      try {
        const response = await fetch(first.dataset.liveUrl || location.href, {headers: {"Accept": "text/html"}});
        if (response.ok) {
          const page = new DOMParser().parseFromString(await response.text(), "text/html");
          for (const panel of panels) {
            const fresh = page.getElementById(panel.id);
            if (!fresh) continue;
            panel.replaceChildren(...fresh.childNodes);
            if (window.stepbridgeTime) window.stepbridgeTime.all(panel);
            panel.dispatchEvent(new CustomEvent("live:updated", {bubbles: true}));
          }
        }
      } catch (e) { /* offline for a moment: the next change or reconnect reads again */ }
      reading = false;
      readAtNextChange();
      if (again) { again = false; read(); }
    }

    function state(value) {
      for (const panel of panels) panel.dataset.liveState = value;
    }

    function connect(reconnecting) {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const socket = new WebSocket(`${scheme}://${location.host}${path}`);
      socket.addEventListener("open", () => {
        delay = 1000;
        state("open");
        if (reconnecting) read();
      });
      socket.addEventListener("message", (message) => {
        const data = JSON.parse(message.data);
        if (data.type !== "changed") return;
        if (wanted.length && !data.what.some((what) => wanted.includes(what))) return;
        read();
      });
      socket.addEventListener("close", () => {
        state("closed");
        setTimeout(() => connect(true), delay);
        delay = Math.min(delay * 2, 30000);
      });
    }

    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && missed) { missed = false; read(); }
    });
    connect(false);
    readAtNextChange();
  }
})();
