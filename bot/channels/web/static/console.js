// The web console's few behaviours beyond htmx: clear the chat box after sending, mark a
// choice as made, keep the transcript scrolled, and the desk's keyboard shortcuts.
(function () {
  "use strict";
  function scrollLog() {
    var log = document.getElementById("transcript");
    if (log) { log.scrollTop = log.scrollHeight; }
  }
  // After a swap (dispatched on the target, which stays in the page): the box just sent
  // is emptied, unless the desk refused it; others keep what is being typed (hx-preserve).
  document.addEventListener("htmx:afterSwap", function (event) {
    var form = event.detail.requestConfig ? event.detail.requestConfig.elt : null;
    if (!form || !form.classList || !event.detail.successful) { return; }
    var sent = form.id === "chat-form" ? "message"
      : form.classList.contains("reply") ? "reply"
      : form.classList.contains("note") ? "note" : null;
    var refused = document.querySelector("#case [role=alert]");
    if (sent && !refused && document.getElementById(sent)) {
      document.getElementById(sent).value = "";
    }
    var choices = form.closest ? form.closest(".choices") : null;
    if (choices) {
      choices.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    }
  });
  document.addEventListener("htmx:afterSwap", scrollLog);
  document.addEventListener("DOMContentLoaded", function () {
    scrollLog();
    var log = document.getElementById("transcript");
    if (log && window.MutationObserver) {  // replies pushed over SSE: keep the newest in view
      new MutationObserver(scrollLog).observe(log, { childList: true });
    }
  });
  // Enter sends in the chat box; Shift+Enter makes a new line.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target && target.id === "message" && event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      if (target.value.trim()) { target.form.requestSubmit(); }
      return;
    }
    if (!document.body.classList.contains("desk-page")) { return; }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var typing = target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (typing) { return; }
    var focus = { r: "reply", n: "note", c: "resolution" }[event.key];
    if (focus && document.getElementById(focus)) {
      event.preventDefault();
      document.getElementById(focus).focus();
    } else if (event.key === "t" && document.getElementById("take")) {
      event.preventDefault();
      document.getElementById("take").click();
    } else if (event.key === "j" || event.key === "k") {
      var links = Array.prototype.slice.call(document.querySelectorAll(".case-link"));
      var at = links.findIndex(function (a) { return a.hasAttribute("aria-current"); });
      var next = links[at + (event.key === "j" ? 1 : -1)] || links[event.key === "j" ? 0 : links.length - 1];
      if (next) { next.click(); }
    }
  });
})();
