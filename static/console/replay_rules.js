// The replay form's "Rules to replay to" lists the rules of every archive's bus; a replay can
// name only rules of its archive's bus (StartReplay: "You can replay events only to the event
// bus specified to create the archive"), so only those are shown, and a rule of another bus
// ticked before the archive changed is unticked. Without this script all are listed and the
// server refuses a wrong one beside the field.
(function () {
  "use strict";
  const form = document.getElementById("start-replay");
  if (!form) return;
  const archive = form.querySelector("select[name=archive]");
  function narrow() {
    const bus = archive.selectedOptions[0]?.dataset.bus;
    for (const label of form.querySelectorAll("label[data-bus]")) {
      const shown = label.dataset.bus === bus;
      label.hidden = !shown;
      if (!shown) label.querySelector("input").checked = false;
    }
  }
  archive.addEventListener("change", narrow);
  narrow();
})();
