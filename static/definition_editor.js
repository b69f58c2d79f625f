// Definition editors: shows ValidateStateMachineDefinition's diagnostics as you type.
(function () {
  "use strict";
  const csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  document.querySelectorAll("textarea[data-validate-url]").forEach((area) => {
    const list = area.parentElement.parentElement.querySelector("ul.diagnostics") ||
                 area.parentElement.querySelector("ul.diagnostics");
    let timer = null;
    let seq = 0;
    async function check() {
      const mine = ++seq;
      if (!area.value.trim()) { list.replaceChildren(); list.dataset.result = ""; return; }
      const response = await fetch(area.dataset.validateUrl, {
        method: "POST", body: area.value, headers: {"X-CSRFToken": csrf, "Content-Type": "application/json"},
      });
      const data = await response.json();
      if (mine !== seq) return; // a newer keystroke's answer wins
      list.dataset.result = data.result;
      list.replaceChildren(...data.diagnostics.map((d) => {
        const li = document.createElement("li");
        li.className = "diagnostic diagnostic-" + d.severity;
        li.textContent = `${d.severity} ${d.code}: ${d.message}` + (d.location ? ` at ${d.location}` : "");
        return li;
      }));
      if (!data.diagnostics.length) {
        const li = document.createElement("li");
        li.className = "diagnostic diagnostic-OK";
        li.textContent = "Definition is valid.";
        list.appendChild(li);
      }
    }
    area.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(check, 250); });
    check();
  });
})();
