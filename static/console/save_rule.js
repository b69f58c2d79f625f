// The sandbox's "Save as rule": the pattern saved is the one in the editor when the form is
// sent (the server refuses an invalid one beside the field, on the bus page).
(function () {
  "use strict";
  const form = document.getElementById("save-as-rule");
  const pattern = document.getElementById("pattern-text");
  if (!form || !pattern) return;
  form.addEventListener("submit", () => { form.elements["event_pattern"].value = pattern.value; });
})();
