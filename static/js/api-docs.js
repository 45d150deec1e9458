// GET /api/docs: Swagger UI over the server's OpenAPI document (a deferred script: the page is parsed).
// Nothing leaves this server: the document comes from the page's own URL, the online validator is off.
// A few changes make the page usable with a keyboard and a screen reader (axe-core finds no serious or critical
// problem, tests/browser/test_api_docs_axe.py; the colours and sizes are in css/api-docs.css): an operation's path
// is plain text inside the button that opens it (Swagger UI puts a link there, a control inside a control; deep
// links still work: the address follows the operation opened), every list has a name, every box of code that
// scrolls can be reached with the keyboard, and the code is highlighted in a light theme that keeps its contrast.
const root = document.getElementById("swagger-ui");

const PathAsText = {
  wrapComponents: {
    DeepLink: (_Original, system) => (props) => system.React.createElement("span", null, props.text),
  },
};

// What Swagger UI renders without a name or out of the keyboard's reach, fixed as it appears (it renders again as
// operations open and close; attributes added here stay on the elements it keeps).
function makeReachable() {
  for (const select of root.querySelectorAll("select:not([aria-label])")) {
    const parameter = select.closest("[data-param-name]");
    if (select.id === "servers") select.setAttribute("aria-label", "Server the requests are sent to");
    else if (parameter) select.setAttribute("aria-label", `Parameter ${parameter.dataset.paramName}`);
  }
  for (const code of root.querySelectorAll("pre:not([tabindex])")) {
    code.setAttribute("tabindex", "0");
  }
  for (const body of root.querySelectorAll("textarea:not([aria-label])")) {
    body.setAttribute("aria-label", "Request body (JSON)");
  }
  for (const close of root.querySelectorAll("button.close-modal:not([aria-label])")) {
    close.setAttribute("aria-label", "Close");
  }
  // A button's name must hold the words it shows ("Authorize", named "Apply credentials" by Swagger UI).
  for (const button of root.querySelectorAll("button[aria-label]")) {
    const shown = button.textContent.trim();
    const name = button.getAttribute("aria-label");
    if (shown && !name.toLowerCase().includes(shown.toLowerCase())) {
      button.setAttribute("aria-label", `${shown}: ${name.toLowerCase()}`);
    }
  }
}

new MutationObserver(makeReachable).observe(root, { childList: true, subtree: true });

window.ui = SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  domNode: root,
  validatorUrl: null,
  deepLinking: true,
  syntaxHighlight: { activated: true, theme: "idea" },
  plugins: [PathAsText],
});
