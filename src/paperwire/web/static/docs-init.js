// Starts Swagger UI from local assets (the page's CSP allows no inline script and no CDN).
window.addEventListener("load", function () {
  var node = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: node.dataset.spec, dom_id: "#swagger-ui" });
});

// Swagger UI handles in-page links itself (the address changes, focus stays), so the skip link moves the
// focus to the content explicitly.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a.skip-link");
  if (!link) return;
  var target = document.getElementById(link.getAttribute("href").slice(1));
  if (!target) return;
  event.preventDefault();
  target.focus();
});
