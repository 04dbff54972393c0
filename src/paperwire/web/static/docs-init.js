// Starts Swagger UI from local assets (the page's CSP allows no inline script and no CDN).
window.addEventListener("load", function () {
  var node = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: node.dataset.spec, dom_id: "#swagger-ui" });
});
