// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Registration: the new-organization fields matter only when "not listed" is chosen,
  // and the tax code only for firms.
  var select = document.getElementById("organization");
  if (select) {
    var groups = ["org_name", "org_short_name", "tax_code", "org_address"].map(function (id) {
      return document.getElementById(id + "-group");
    });
    var taxGroup = document.getElementById("tax_code-group");
    var update = function () {
      var isNew = select.value === "0";
      var role = document.querySelector("input[name=role]:checked");
      groups.forEach(function (group) { if (group) { group.hidden = !isNew; } });
      if (taxGroup && isNew) { taxGroup.hidden = role !== null && role.value !== "firm"; }
    };
    select.addEventListener("change", update);
    document.querySelectorAll("input[name=role]").forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }
})();

(function () {
  "use strict";
  // Forms that ask before doing something hard to undo (archive, delete).
  document.querySelectorAll("form.confirm-submit").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  // Print buttons on print-friendly pages.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
