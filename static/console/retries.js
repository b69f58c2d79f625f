// Retry countdowns on the execution page: each state waiting out a Retry interval
// (#retry-waits, rendered from the engine state and its durable timer) counts down to its
// next attempt (so does any .countdown[data-until] on the page). The history has no event for a retry wait, so when new events arrive
// ("stepbridge:events" from execution.js) the panel is re-read from the server.
(function () {
  "use strict";
  const panel = document.getElementById("retry-waits");
  if (!panel) return;
  let pending = null;

  function left(until) {
    const seconds = Math.ceil((new Date(until).getTime() - Date.now()) / 1000);
    if (Number.isNaN(seconds)) return "";
    if (seconds <= 0) return "now";
    const minutes = Math.floor(seconds / 60);
    return minutes ? `${minutes} min ${String(seconds % 60).padStart(2, "0")} s` : `${seconds} s`;
  }

  function tick() {
    document.querySelectorAll(".countdown[data-until]").forEach((el) => { el.textContent = left(el.dataset.until); });
  }

  async function reread() {
    pending = null;
    try {
      const response = await fetch(location.href, {headers: {"Accept": "text/html"}});
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("retry-waits");
      if (!fresh) return;
      panel.replaceChildren(...fresh.childNodes);
      panel.hidden = fresh.hidden;
      if (window.stepbridgeTime) window.stepbridgeTime.all(panel);
      tick();
      panel.dispatchEvent(new CustomEvent("retries:updated", {bubbles: true}));
    } catch (e) { /* the next events read again */ }
  }

  document.addEventListener("stepbridge:events", () => {
    if (pending === null) pending = setTimeout(reread, 250);
  });
  tick();
  setInterval(tick, 1000);
  window.stepbridgeRetries = {
    // The wait of one state, for the inspector: {attempt, until} or null.
    of(name) {
      const item = [...panel.querySelectorAll("li[data-retry-state]")].find((li) => li.dataset.retryState === name);
      if (!item) return null;
      return {attempt: Number(item.dataset.attempt), until: item.querySelector(".countdown").dataset.until, left};
    },
  };
})();
