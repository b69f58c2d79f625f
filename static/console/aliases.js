// The machine page's alias form: Edit fills it with an alias's description and routing (the
// name stays), New alias empties it. Saving posts the form; the server checks it as the API does.
(() => {
  const form = document.getElementById("alias-form");
  if (!form) return;
  const title = document.getElementById("alias-form-title");
  const set = (name, value) => { form.elements[name].value = value; };
  const fill = (existing, description, routes) => {
    set("existing", existing);
    set("name", existing);
    form.elements.name.readOnly = Boolean(existing);
    set("description", description);
    for (const row of [1, 2]) {
      const [version, weight] = routes[row - 1] || ["", ""];
      set(`version${row}`, version);
      set(`weight${row}`, weight);
    }
    title.textContent = existing ? `Edit alias ${existing}` : "New alias";
  };
  for (const button of document.querySelectorAll("[data-edit-alias]")) {
    button.addEventListener("click", () => {
      const routes = button.dataset.routing.split(",").map((pair) => pair.split(":"));
      fill(button.dataset.editAlias, button.dataset.description, routes);
      form.elements.description.focus();
    });
  }
  document.getElementById("new-alias").addEventListener("click", () => {
    fill("", "", [["", "100"]]);
    form.elements.name.focus();
  });
})();
