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

(function () {
  "use strict";
  // Search boxes: titles that complete what is typed, from the URL in data-suggest (the site may live under a path
  // prefix), offered in the box's datalist.
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var last = "";
    if (!list) { return; }
    input.addEventListener("input", function () {
      var text = input.value.trim();
      window.clearTimeout(timer);
      if (text.length < 2 || text === last) { return; }
      timer = window.setTimeout(function () {
        last = text;
        fetch(input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(text),
              {headers: {"Accept": "application/json"}})
          .then(function (response) { return response.ok ? response.json() : {suggestions: []}; })
          .then(function (data) {
            list.replaceChildren();
            data.suggestions.forEach(function (item) {
              var option = document.createElement("option");
              option.value = item.title;
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are a convenience; the search still works */ });
      }, 200);
    });
  });
  // Filters and sort apply as soon as they change (the buttons remain for keyboards and no-JS).
  document.querySelectorAll("[data-autosubmit]").forEach(function (control) {
    control.addEventListener("change", function () { control.form.submit(); });
  });
})();

(function () {
  "use strict";
  // The need form's coaching panel: refreshed from the server while the firm types (nothing is saved).
  var form = document.getElementById("need-form");
  var panel = document.getElementById("coach-panel");
  if (!form || !panel) { return; }
  var timer = null;
  var pending = null;
  var refresh = function () {
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(form.getAttribute("data-coach-url"), {method: "POST", body: new FormData(form), signal: pending.signal,
                                                 headers: {"Accept": "text/html"}})
      // A redirect means the session ended (the login page would land in the panel): keep the last panel.
      .then(function (response) { return response.ok && !response.redirected ? response.text() : null; })
      .then(function (html) {
        // The fragment is rendered (and escaped) by the server's templates.
        if (html !== null) { panel.innerHTML = html; }
      })
      .catch(function () { /* the preview button still works */ });
  };
  var schedule = function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 500);
  };
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  if (form.querySelector("[name=title]").value.trim()) { refresh(); }
})();

(function () {
  "use strict";
  // "Select all" boxes tick every checkbox of the same name in their form (the review queue).
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      var name = box.getAttribute("data-select-all");
      box.form.querySelectorAll("input[type=checkbox][name='" + name + "']").forEach(function (item) {
        item.checked = box.checked;
      });
    });
  });
})();
