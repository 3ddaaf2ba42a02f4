/*!
 * OCO-wegwijzer chat widget. Licence: EUPL-1.2.
 *
 * Embed with one tag:
 *   <script src="https://HOST/static/oco-chat.js" data-gemeente="dordrecht" defer></script>
 *
 * Plain JavaScript, no framework, no eval, no inline styles or handlers, so it runs under
 * a strict Content-Security-Policy. The widget lives in an open shadow root so the host
 * page's CSS cannot break it; theme tokens (--utrecht-*) set on #oco-chat by the host page
 * win over the widget's defaults. Bot text is only ever inserted as text (textContent).
 * This file is pure ASCII (Dutch letters as \u escapes): it then works whatever character
 * encoding the host page declares.
 */
(function () {
  "use strict";

  if (window.ocoChat) {
    return; // Already loaded (the tag is on the page twice).
  }

  var TEXT = {
    launcher: "Chat met de wegwijzer",
    title: "Digitale wegwijzer",
    subtitle: "Hulp en gratis cli\u00ebntondersteuning",
    close: "Sluiten",
    restart: "Nieuw gesprek",
    conversation: "Gesprek",
    inputLabel: "Uw bericht",
    inputPlaceholder: "Typ hier uw vraag",
    send: "Verstuur",
    typing: "De wegwijzer typt\u2026",
    you: "U: ",
    bot: "Wegwijzer: ",
    choices: "Kies een antwoord: ",
    welcome:
      "Welkom. Ik ben de digitale wegwijzer. Ik help u hulp te vinden bij zorg, geld, wonen, " +
      "werk of opvoeden. En ik vertel u over gratis, onafhankelijke cli\u00ebntondersteuning.\n" +
      "Ik ben een computer, geen mens.\n" +
      "Deel geen BSN of medische gegevens in deze chat.",
    offline: "De chat werkt nu niet. Bel uw gemeente, of bij acuut gevaar 112."
  };

  var WELCOME_BUTTONS = [
    { title: "Wat is cli\u00ebntondersteuning?", payload: "/ask_what_is_oco" },
    { title: "Ik wil iemand spreken", payload: "/request_human" }
  ];

  var STORAGE_PREFIX = "oco-chat:v1:";
  var REQUEST_TIMEOUT_MS = 20000;
  var MAX_MESSAGE_LENGTH = 1000;
  var MAX_ANNOUNCEMENTS = 3;
  var URL_PATTERN = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)]/g;

  var script = document.currentScript || document.querySelector("script[src*='oco-chat.js']");
  if (!script) {
    return;
  }
  var scriptUrl = new URL(script.src, document.baseURI);
  var gemeente = (script.getAttribute("data-gemeente") || "").trim().toLowerCase();
  var apiUrl = script.getAttribute("data-api")
    ? new URL(script.getAttribute("data-api"), document.baseURI).href
    : new URL("../api/chat", scriptUrl).href;
  var storageKey = STORAGE_PREFIX + (gemeente || "-");

  /* ---------- state kept in sessionStorage ---------- */

  function randomId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function freshState() {
    return {
      sender: "web-" + randomId(),
      open: false,
      messages: [{ from: "bot", text: TEXT.welcome, buttons: WELCOME_BUTTONS }]
    };
  }

  var memoryStore = {};
  function storageGet(key) {
    try {
      return window.sessionStorage.getItem(key);
    } catch (e) {
      return memoryStore[key] || null;
    }
  }
  function storageSet(key, value) {
    try {
      window.sessionStorage.setItem(key, value);
    } catch (e) {
      memoryStore[key] = value;
    }
  }

  function loadState() {
    var raw = storageGet(storageKey);
    if (raw) {
      try {
        var parsed = JSON.parse(raw);
        if (parsed && typeof parsed.sender === "string" && Array.isArray(parsed.messages)) {
          return parsed;
        }
      } catch (e) {
        /* corrupt entry: start again */
      }
    }
    return freshState();
  }

  var state = loadState();
  function saveState() {
    storageSet(storageKey, JSON.stringify(state));
  }

  /* ---------- DOM helpers (text only, never HTML) ---------- */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function svgIcon(pathData) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "oco-chat__icon");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", pathData);
    svg.appendChild(path);
    return svg;
  }

  /** Append text to a node, turning http(s) URLs into links; everything stays text. */
  function appendRichText(node, text) {
    var last = 0;
    String(text).replace(URL_PATTERN, function (match, offset) {
      node.appendChild(document.createTextNode(text.slice(last, offset)));
      var link = el("a", "utrecht-link oco-chat__link", match);
      link.href = match;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      node.appendChild(link);
      last = offset + match.length;
      return match;
    });
    node.appendChild(document.createTextNode(String(text).slice(last)));
  }

  /* ---------- build the widget ---------- */

  var host = el("div");
  host.id = "oco-chat";
  host.hidden = true; // shown once the stylesheets are in, so it never flashes unstyled
  var root = host.attachShadow({ mode: "open" });

  var pendingSheets = 0;
  function addSheet(href) {
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = new URL(href, scriptUrl).href;
    pendingSheets += 1;
    function done() {
      pendingSheets -= 1;
      if (pendingSheets === 0) {
        host.hidden = false;
      }
    }
    link.addEventListener("load", done);
    link.addEventListener("error", done);
    root.appendChild(link);
  }
  addSheet("vendor/utrecht/utrecht-components.css");
  addSheet("oco-chat.css");

  var container = el("div", "oco-chat");
  container.lang = "nl";

  var launcher = el("button", "utrecht-button utrecht-button--primary-action oco-chat__launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "oco-chat-panel");
  launcher.appendChild(svgIcon("M4 4h16v11H8l-4 4z"));
  launcher.appendChild(el("span", null, TEXT.launcher));

  var panel = el("section", "oco-chat__panel");
  panel.id = "oco-chat-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-modal", "false");
  panel.setAttribute("aria-labelledby", "oco-chat-title");
  panel.hidden = true;

  var header = el("div", "oco-chat__header");
  var titles = el("div", "oco-chat__titles");
  var title = el("h2", "utrecht-heading-2 oco-chat__title", TEXT.title);
  title.id = "oco-chat-title";
  titles.appendChild(title);
  titles.appendChild(el("p", "utrecht-paragraph oco-chat__subtitle", TEXT.subtitle));
  var closeButton = el(
    "button",
    "utrecht-button utrecht-button--secondary-action oco-chat__header-button",
    TEXT.close
  );
  closeButton.type = "button";
  header.appendChild(titles);
  header.appendChild(closeButton);

  var scroller = el("div", "oco-chat__scroller");
  scroller.setAttribute("role", "region");
  scroller.setAttribute("aria-label", TEXT.conversation);
  scroller.tabIndex = 0;
  var list = el("ol", "oco-chat__messages");
  var typing = el("p", "oco-chat__typing");
  typing.hidden = true;
  var dots = el("span", "oco-chat__dots");
  dots.setAttribute("aria-hidden", "true");
  dots.appendChild(el("span"));
  dots.appendChild(el("span"));
  dots.appendChild(el("span"));
  typing.appendChild(dots);
  typing.appendChild(el("span", "oco-chat__typing-text", TEXT.typing));
  scroller.appendChild(list);
  scroller.appendChild(typing);

  var announcer = el("div", "oco-chat__visually-hidden");
  announcer.setAttribute("aria-live", "polite");
  announcer.setAttribute("aria-atomic", "false");

  var form = el("form", "oco-chat__form");
  form.noValidate = true;
  var label = el("label", "utrecht-form-label oco-chat__label", TEXT.inputLabel);
  label.htmlFor = "oco-chat-input";
  var row = el("div", "oco-chat__row");
  var input = el("input", "utrecht-textbox utrecht-textbox--html-input oco-chat__input");
  input.id = "oco-chat-input";
  input.type = "text";
  input.autocomplete = "off";
  input.maxLength = MAX_MESSAGE_LENGTH;
  input.placeholder = TEXT.inputPlaceholder;
  var sendButton = el("button", "utrecht-button utrecht-button--primary-action oco-chat__send");
  sendButton.type = "submit";
  sendButton.appendChild(el("span", null, TEXT.send));
  sendButton.appendChild(svgIcon("M3 20l18-8L3 4v6l12 2-12 2z"));
  row.appendChild(input);
  row.appendChild(sendButton);
  var restartButton = el(
    "button",
    "utrecht-button utrecht-button--secondary-action oco-chat__restart",
    TEXT.restart
  );
  restartButton.type = "button";
  form.appendChild(label);
  form.appendChild(row);
  form.appendChild(restartButton);

  panel.appendChild(header);
  panel.appendChild(scroller);
  panel.appendChild(announcer);
  panel.appendChild(form);
  container.appendChild(launcher);
  container.appendChild(panel);
  root.appendChild(container);

  /* ---------- rendering ---------- */

  function lastUserIndex() {
    for (var i = state.messages.length - 1; i >= 0; i -= 1) {
      if (state.messages[i].from === "user") {
        return i;
      }
    }
    return -1;
  }

  function renderMessage(message, showButtons) {
    var item = el("li", "oco-chat__message oco-chat__message--" + message.from);
    if (message.error) {
      item.className += " oco-chat__message--error";
    }
    var bubble = el("p", "oco-chat__bubble");
    bubble.appendChild(
      el("span", "oco-chat__visually-hidden", message.from === "user" ? TEXT.you : TEXT.bot)
    );
    appendRichText(bubble, message.text || "");
    item.appendChild(bubble);
    if (showButtons && message.buttons && message.buttons.length) {
      var group = el("div", "utrecht-button-group oco-chat__choices");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", TEXT.choices.replace(/: $/, ""));
      message.buttons.forEach(function (choice) {
        var button = el(
          "button",
          "utrecht-button utrecht-button--secondary-action oco-chat__choice",
          choice.title
        );
        button.type = "button";
        button.addEventListener("click", function () {
          send(choice.payload, choice.title);
        });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    return item;
  }

  function scrollToEnd() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  /** Draw the whole conversation (on start, reopen and "Nieuw gesprek"). */
  function render() {
    var buttonsFrom = lastUserIndex() + 1;
    list.textContent = "";
    state.messages.forEach(function (message, index) {
      list.appendChild(renderMessage(message, message.from === "bot" && index >= buttonsFrom));
    });
    scrollToEnd();
  }

  /**
   * Add one message without redrawing the rest, so focus elsewhere in the panel stays put.
   * Only the newest bot turn offers choices: a resident's message removes older ones.
   */
  function addMessage(message) {
    state.messages.push(message);
    saveState();
    if (message.from === "user") {
      Array.prototype.forEach.call(list.querySelectorAll(".oco-chat__choices"), function (group) {
        group.parentNode.removeChild(group);
      });
    }
    list.appendChild(renderMessage(message, message.from === "bot"));
    scrollToEnd();
  }

  function announce(message) {
    var text = TEXT.bot + (message.text || "");
    if (message.buttons && message.buttons.length) {
      text +=
        " " +
        TEXT.choices +
        message.buttons
          .map(function (b) {
            return b.title;
          })
          .join(", ");
    }
    announcer.appendChild(el("p", null, text));
    while (announcer.childNodes.length > MAX_ANNOUNCEMENTS) {
      announcer.removeChild(announcer.firstChild);
    }
  }

  function setTyping(on) {
    typing.hidden = !on;
    scroller.setAttribute("aria-busy", on ? "true" : "false");
    if (on) {
      scrollToEnd();
    }
  }

  /* ---------- talking to the server ---------- */

  function toMessages(data) {
    if (!Array.isArray(data)) {
      throw new Error("unexpected answer");
    }
    return data
      .filter(function (m) {
        return m && (typeof m.text === "string" || Array.isArray(m.buttons));
      })
      .map(function (m) {
        return {
          from: "bot",
          text: typeof m.text === "string" ? m.text : "",
          buttons: (Array.isArray(m.buttons) ? m.buttons : [])
            .filter(function (b) {
              return b && typeof b.title === "string" && typeof b.payload === "string";
            })
            .map(function (b) {
              return { title: b.title, payload: b.payload };
            })
        };
      });
  }

  function postMessage(text) {
    var body = { sender: state.sender, message: text, metadata: {} };
    if (gemeente) {
      body.metadata.gemeente = gemeente;
    }
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller
      ? window.setTimeout(function () {
          controller.abort();
        }, REQUEST_TIMEOUT_MS)
      : null;
    return window
      .fetch(apiUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
        credentials: "omit",
        signal: controller ? controller.signal : undefined
      })
      .then(function (response) {
        // 429 (too many messages) carries the server's own Dutch answer: show that one.
        if (!response.ok && response.status !== 429) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(toMessages)
      .finally(function () {
        if (timer) {
          window.clearTimeout(timer);
        }
      });
  }

  var busy = false;

  /** Send `message` to the bot and show `shown` (a button title, or the typed text). */
  function send(message, shown) {
    var text = String(message || "").trim();
    if (!text || busy) {
      return;
    }
    busy = true;
    addMessage({ from: "user", text: String(shown || text).slice(0, MAX_MESSAGE_LENGTH) });
    input.focus();
    setTyping(true);
    var conversation = state;
    postMessage(text.slice(0, MAX_MESSAGE_LENGTH))
      .then(function (answers) {
        if (conversation !== state) {
          return; // the resident started a new conversation meanwhile
        }
        answers.forEach(function (answer) {
          addMessage(answer);
          announce(answer);
        });
      })
      .catch(function () {
        if (conversation !== state) {
          return;
        }
        var failure = { from: "bot", text: TEXT.offline, error: true };
        addMessage(failure);
        announce(failure);
      })
      .finally(function () {
        busy = false;
        setTyping(false);
      });
  }

  /* ---------- opening and closing ---------- */

  function setOpen(open, moveFocus) {
    state.open = open;
    saveState();
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    container.classList.toggle("oco-chat--open", open);
    if (open) {
      render();
      if (moveFocus) {
        input.focus();
      }
    } else if (moveFocus) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", function () {
    setOpen(true, true);
  });
  closeButton.addEventListener("click", function () {
    setOpen(false, true);
  });
  restartButton.addEventListener("click", function () {
    state = freshState();
    state.open = true;
    saveState();
    announcer.textContent = "";
    render();
    input.focus();
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") {
      event.preventDefault();
      setOpen(false, true);
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim() || busy) {
      return;
    }
    input.value = "";
    send(text, text);
  });

  function mount() {
    document.body.appendChild(host);
    render();
    if (state.open) {
      setOpen(true, false); // restore after a reload without stealing focus
    }
  }

  window.ocoChat = {
    open: function () {
      setOpen(true, true);
    },
    close: function () {
      setOpen(false, true);
    }
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
