// Progressive enhancement only: every page works without this file.
// Drops empty fields from GET filter forms, so shared and bookmarked URLs stay short.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "get") return;
  Array.prototype.forEach.call(form.elements, function (field) {
    if (field.name && (field.type !== "checkbox" && field.type !== "radio") && field.value === "") {
      field.disabled = true;
    }
  });
  window.setTimeout(function () {
    Array.prototype.forEach.call(form.elements, function (field) { field.disabled = false; });
  }, 0);
});
