window.__reportErrors = [];
window.addEventListener("error", function (e) { window.__reportErrors.push(String(e.message || e)); });
window.addEventListener("unhandledrejection", function (e) { window.__reportErrors.push(String(e.reason)); });
