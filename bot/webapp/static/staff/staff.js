// Staff pages: small progressive enhancements (the pages work without this script).
(function () {
  "use strict";

  function onReady() {
    // Test page: keep the latest turn in view and the message field ready for typing.
    var latest = document.getElementById("laatste");
    if (latest && typeof latest.scrollIntoView === "function") {
      latest.scrollIntoView({ block: "end" });
    }
    var message = document.getElementById("message");
    if (message) {
      message.focus();
    }

    // Avoid double submits while Rasa is answering.
    var forms = document.querySelectorAll("form.send, form.buttons, form.status-form");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.busy === "1") {
          event.preventDefault();
          return;
        }
        form.dataset.busy = "1";
        form.setAttribute("aria-busy", "true");
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onReady);
  } else {
    onReady();
  }
})();
