// The ranking's "Compare" form: counts the ticked people and allows 2 to 4. Without this
// script the form still works; the server refuses fewer than 2 or more than 4 with a message.
(function () {
  "use strict";
  var form = document.getElementById("compare-form");
  if (!form) return;
  var min = parseInt(form.getAttribute("data-min"), 10) || 2;
  var max = parseInt(form.getAttribute("data-max"), 10) || 4;
  var status = document.getElementById("compare-status");
  var boxes = form.querySelectorAll("input[type=checkbox][name=people]");
  var buttons = form.querySelectorAll("button[type=submit]");
  var hint = status ? status.textContent : "";
  var template = status ? status.getAttribute("data-chosen") : null;

  function update() {
    var chosen = 0;
    boxes.forEach(function (box) { if (box.checked) chosen += 1; });
    boxes.forEach(function (box) { box.disabled = !box.checked && chosen >= max; });
    buttons.forEach(function (button) { button.disabled = chosen < min || chosen > max; });
    if (status) {
      status.textContent = chosen && template ? template.replace("{count}", String(chosen)) : hint;
    }
  }

  boxes.forEach(function (box) { box.addEventListener("change", update); });
  update();
})();
