// Destructive forms ask first: a form with data-confirm="Delete bus X?" submits only if the
// person confirms. The server still re-checks everything; this only prevents a slip.
(function () {
  "use strict";
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  }, true);
})();
