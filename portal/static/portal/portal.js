// Print buttons: <button data-print> prints the page (no inline handlers: the CSP forbids them).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});

// Copy buttons: <button class="copy" data-copy-target="ID"> copies the text of #ID.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy-target]");
  if (!button) return;
  var source = document.getElementById(button.getAttribute("data-copy-target"));
  if (!source) return;
  var text = source.value !== undefined ? source.value : source.textContent;
  var done = function () { var old = button.textContent; button.textContent = "Copied"; setTimeout(function () { button.textContent = old; }, 1500); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done);
  } else {
    var area = document.createElement("textarea");
    area.value = text; document.body.appendChild(area); area.select();
    try { document.execCommand("copy"); done(); } finally { document.body.removeChild(area); }
  }
});
