// The console's path parameters: typing a value shows the path as it will be sent.
// Without this script the server fills the path's {name} placeholders from the same fields.
(function () {
  "use strict";
  var form = document.querySelector("#console form[method=post]");
  if (!form) { return; }
  var path = form.querySelector("input[name=path]");
  var fields = form.querySelectorAll("input[data-placeholder]");
  if (!path || !fields.length) { return; }
  var template = path.value;
  var preview = document.createElement("p");
  preview.className = "hint";
  preview.id = "path-preview";
  preview.setAttribute("aria-live", "polite");
  var fieldset = document.getElementById("path-parameters");
  fieldset.appendChild(preview);

  function filled() {
    var result = template;
    fields.forEach(function (field) {
      var value = field.value.trim();
      if (value) {
        result = result.split("{" + field.getAttribute("data-placeholder") + "}").join(encodeURIComponent(value));
      }
    });
    return result;
  }

  function show() {
    preview.textContent = "Will be sent as " + filled();
  }

  fields.forEach(function (field) { field.addEventListener("input", show); });
  // A path typed by hand becomes the new template the fields fill.
  path.addEventListener("input", function () { template = path.value; show(); });
  show();
})();
