/* The clause blocks of a supplementary agreement: show only the parameters the chosen kind uses (the
   registry's list comes in a json_script block). A field that holds a value or an error stays visible, so
   nothing typed is ever hidden. Without JavaScript every field shows and the server checks the same. */
(function () {
  "use strict";
  const data = document.getElementById("clause-parameters");
  if (!data) return;
  const uses = JSON.parse(data.textContent);
  const all = new Set(Object.values(uses).flat());
  function update(block) {
    const select = block.querySelector("select[name$='-kind']");
    if (!select) return;
    const wanted = new Set(uses[select.value] || []);
    block.querySelectorAll("[data-parameter]").forEach((field) => {
      const name = field.dataset.parameter;
      if (!all.has(name)) return;
      const input = field.querySelector("input, select, textarea");
      const keep = wanted.has(name) || (input && input.value !== "") || field.querySelector(".errorlist");
      field.hidden = !keep;
    });
  }
  document.querySelectorAll(".clause-block").forEach((block) => {
    update(block);
    const select = block.querySelector("select[name$='-kind']");
    if (select) select.addEventListener("change", () => update(block));
  });
})();
