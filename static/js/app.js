// Go Todos: progressive enhancement of the server-rendered pages. Without
// this script every page still works; with it, each todo gets "Done" and
// "Delete" buttons that call the JSON API. The URLs come from the page
// (data-url), which the server wrote stage-aware: nothing is computed here.
"use strict";

(function () {
  const flash = document.querySelector("[data-flash]");

  function show(message) {
    if (!flash) return;
    flash.textContent = message;
    flash.hidden = false;
  }

  async function call(method, url, body) {
    const init = { method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    if (response.ok) return;
    let message = response.status + " " + response.statusText;
    try {
      const error = await response.json();
      if (error && error.Message) message = error.Message;
    } catch (ignored) {
      // not JSON: keep the status line
    }
    throw new Error(message);
  }

  async function act(button) {
    const url = button.dataset.url;
    const version = Number(button.dataset.version);
    if (button.dataset.action === "toggle") {
      await call("PUT", url, { completed: button.dataset.completed !== "true", version });
    } else if (button.dataset.action === "delete") {
      await call("DELETE", url + "?version=" + encodeURIComponent(version));
    }
  }

  document.querySelectorAll("[data-actions]").forEach((actions) => {
    actions.hidden = false;
  });

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    button.disabled = true;
    try {
      await act(button);
      window.location.reload();
    } catch (error) {
      show(error.message);
      button.disabled = false;
    }
  });
})();
