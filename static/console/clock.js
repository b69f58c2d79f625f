// The workspace clock in the top bar: real or virtual time, the next timer, and the controls
// (turn the virtual clock on, advance to the next timer, +1 h, x10, back to real time). It talks
// to /_stepbridge/clock with JSON, the same endpoint curl uses (README "Virtual clock").
(function () {
  "use strict";
  const box = document.getElementById("clock");
  if (!box) return;
  const nowEl = box.querySelector(".clock-now");
  const nextEl = box.querySelector(".clock-next");
  const errorEl = box.querySelector(".clock-error");
  const format = new Intl.DateTimeFormat(undefined, {dateStyle: "medium", timeStyle: "medium"});
  let timer = null;

  function timeEl(iso) {
    const el = document.createElement("time");
    el.setAttribute("datetime", iso);
    el.textContent = format.format(new Date(iso));
    return el;
  }

  function show(state) {
    box.hidden = false;
    box.dataset.mode = state.mode;
    nowEl.replaceChildren();
    if (state.mode === "REAL") {
      nowEl.textContent = "Real time";
    } else {
      const label = state.mode === "FROZEN" ? "Virtual (frozen) " : `Virtual (\u00d7${state.rate}) `;
      nowEl.append(label, timeEl(state.now));
    }
    nextEl.replaceChildren();
    if (state.next && state.mode !== "REAL") {
      nextEl.append("next timer ", timeEl(state.next.dueAt));
    }
    box.querySelectorAll("button[data-when]").forEach((button) => {
      button.hidden = !button.dataset.when.split(" ").includes(state.mode);
    });
    clearTimeout(timer);
    timer = setTimeout(refresh, state.mode === "RUNNING" ? 1000 : 10000);
  }

  async function call(init) {
    const response = await fetch(box.dataset.url, Object.assign({credentials: "same-origin"}, init));
    const body = await response.json();
    if (!response.ok) throw new Error(body.message || response.statusText);
    return body;
  }

  async function refresh() {
    try { show(await call({})); } catch (error) { errorEl.textContent = error.message; }
  }

  box.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-clock]");
    if (!button) return;
    errorEl.textContent = "";
    button.disabled = true;
    try {
      show(await call({
        method: "POST",
        headers: {"Content-Type": "application/json"},
        body: button.dataset.clock,
      }));
      document.dispatchEvent(new CustomEvent("stepbridge:clock"));
    } catch (error) {
      errorEl.textContent = error.message;
    } finally {
      button.disabled = false;
    }
  });
  refresh();
})();
