// Import progress: poll the JSON state every second and update the bar, counters and error table.
(function () {
  "use strict";
  var box = document.querySelector("[data-import-url]");
  if (!box) return;
  var bar = box.querySelector("progress");
  var rows = box.querySelector(".import-errors tbody");
  function render(state) {
    bar.max = state.total; bar.value = state.done;
    ["done", "created", "skipped", "failed"].forEach(function (name) {
      var el = box.querySelector("[data-field=" + name + "]");
      if (el) el.textContent = state[name];
    });
    rows.textContent = "";
    state.errors.forEach(function (e) {
      var tr = document.createElement("tr");
      var row = document.createElement("td"); row.textContent = e.row;
      var problem = document.createElement("td");
      problem.textContent = Object.keys(e.errors).map(function (k) { return k + ": " + JSON.stringify(e.errors[k]); }).join(" ");
      tr.appendChild(row); tr.appendChild(problem); rows.appendChild(tr);
    });
    box.setAttribute("data-status", state.status);
  }
  function tick() {
    fetch(box.getAttribute("data-import-url"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (state) { render(state); if (state.status !== "done" && state.status !== "failed") setTimeout(tick, 1000); })
      .catch(function () { setTimeout(tick, 3000); });
  }
  if (box.getAttribute("data-status") !== "done") tick();
})();
