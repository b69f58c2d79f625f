// The three modes, Design, Code and Config, as tabs: arrow keys move between them (WAI-ARIA tabs).
export function mountModes(bar, panels, onSwitch) {
  const tabs = [...bar.querySelectorAll("[role=tab]")];
  const show = (mode, focus = false) => {
    for (const tab of tabs) {
      const on = tab.dataset.mode === mode;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      if (on && focus) tab.focus();
    }
    for (const [name, panel] of Object.entries(panels)) panel.hidden = name !== mode;
    document.body.dataset.mode = mode;
    onSwitch(mode);
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => show(tab.dataset.mode));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      show(tabs[(i + step + tabs.length) % tabs.length].dataset.mode, true);
    });
  });
  return show;
}
