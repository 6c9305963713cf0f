// One-click Postman presets for the redirect URI textarea (registrations/forms.py).
// A preset adds each of its URIs on its own line unless it is already there;
// existing lines are left exactly as they are.
(function () {
  "use strict";

  function addUris(textarea, uris) {
    var lines = textarea.value.split(/\r?\n/);
    var present = lines.filter(function (line) { return line.trim() !== ""; });
    uris.forEach(function (uri) {
      if (present.indexOf(uri) === -1) {
        present.push(uri);
      }
    });
    textarea.value = present.join("\n");
    textarea.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-redirect-preset]");
    if (!button) {
      return;
    }
    event.preventDefault();
    var container = button.closest("[data-redirect-target]");
    var textarea = container && document.getElementById(container.getAttribute("data-redirect-target"));
    if (textarea) {
      addUris(textarea, button.getAttribute("data-redirect-preset").split(" "));
      textarea.focus();
    }
  });
})();
