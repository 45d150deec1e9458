// GET /api/docs: Swagger UI over the server's OpenAPI document (a deferred script: the page is parsed).
// Nothing leaves this server: the document comes from the page's own URL, the online validator is off.
const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  domNode: root,
  validatorUrl: null,
  deepLinking: true,
});
