// A refused form comes back as the same page with each error beside its field and what was
// typed kept; this brings the person to it: the first error is scrolled to the middle of the
// screen and its field focused. Without it a long page reloads at its top and the error sits
// a screen or more below (a new user's walkthrough at 390 px, the rule page's target form).
// A page answering with a notice (an event sent) shows it the same way, if it is off screen.
(function () {
  "use strict";
  const shown = (element) => element.textContent.trim() !== "" && element.offsetParent !== null;
  const error = [...document.querySelectorAll(".field-error, [role=alert]")].find(shown);
  if (error) {
    const form = error.closest("form") || document;
    const name = error.dataset.field;
    const field =
      (name && form.querySelector(`[name="${CSS.escape(name)}"]`)) ||
      (error.id && document.querySelector(`[aria-describedby~="${CSS.escape(error.id)}"]`)) ||
      null;
    (field || error).scrollIntoView({ block: "center" });
    if (field) field.focus({ preventScroll: true });
    return;
  }
  const notice = [...document.querySelectorAll(".notice[role=status]")].find(shown);
  if (notice) notice.scrollIntoView({ block: "nearest" });
})();
