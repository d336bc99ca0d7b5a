// Entry point: wires storage, connection and rendering together.
import { readConfig } from "./config.js";
import { STATUS, createConnection } from "./connection.js";
import { buildWidget, renderMessage } from "./render.js";
import { clearState, isExpired, loadState, saveState } from "./storage.js";
import { TEXTS } from "./texts.js";
import { WELCOME_QUICK_REPLIES } from "./welcome.generated.js";

const REPLY_TIMEOUT_MS = 15000;
const MAX_INPUT = 500;

function normaliseQuickReplies(raw) {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((r) => r && typeof r.title === "string" && typeof r.payload === "string" && r.title.trim())
    .map((r) => ({ title: r.title, payload: r.payload }));
}

function init() {
  if (window.__stoWidgetStarted) return;
  window.__stoWidgetStarted = true;

  const config = readConfig();
  let state = loadState();
  let waitTimer = null;
  let connection = null;
  let lastSent = null; // {display, payload} of the latest message, for "send again"

  // Shadow DOM keeps host-page CSS out of the widget and ours out of the page.
  const host = document.createElement("div");
  host.id = "sto-widget";
  const shadow = host.attachShadow({ mode: "open" });
  // CSSOM custom property (not a style attribute): allowed under style-src 'self'.
  host.style.setProperty("--sto-primary", config.primaryColor);
  const stylesheet = document.createElement("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = config.stylesheetUrl;
  shadow.append(stylesheet);
  const ui = buildWidget(shadow, config);
  ui.container.hidden = true; // avoid a flash of unstyled content
  const reveal = () => {
    ui.container.hidden = false;
  };
  stylesheet.addEventListener("load", reveal);
  stylesheet.addEventListener("error", () => {
    console.warn(`[sto-widget] could not load stylesheet ${config.stylesheetUrl}`);
    reveal();
  });

  const isReady = () => Boolean(connection && connection.isReady());
  const isOpen = () => !ui.panel.hidden;

  // ---------- rendering ----------
  function lastUserIndex() {
    for (let i = state.messages.length - 1; i >= 0; i -= 1) {
      if (state.messages[i].role === "user") return i;
    }
    return -1;
  }

  function messageNode(message, withQuickReplies) {
    return renderMessage(message, {
      privacyUrl: config.privacyUrl,
      onQuickReply: sendQuickReply,
      withQuickReplies,
      disabled: !isReady(),
    });
  }

  function scrollToEnd() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function renderHistory() {
    const firstOpen = lastUserIndex() + 1; // quick replies stay usable until the user answers
    ui.log.replaceChildren(...state.messages.map((m, i) => messageNode(m, i >= firstOpen)));
    scrollToEnd();
  }

  function addMessage(message) {
    if (message.role === "user") {
      ui.log.querySelectorAll(".sto-quick-replies").forEach((group) => group.remove());
    }
    state.messages.push(message);
    state.lastActivity = Date.now();
    saveState(state);
    const node = messageNode(message, true);
    ui.log.append(node);
    scrollToEnd();
    // A long answer should be read from its start, not from its last line.
    const hidden = node.getBoundingClientRect().top - ui.log.getBoundingClientRect().top;
    if (hidden < 0) ui.log.scrollTop += hidden - 8;
  }

  function ensureWelcome() {
    if (state.messages.length === 0) {
      addMessage({ role: "welcome", quickReplies: WELCOME_QUICK_REPLIES });
    }
  }

  // ---------- waiting for the bot ----------
  function stopWaiting() {
    clearTimeout(waitTimer);
    waitTimer = null;
    ui.typing.hidden = true;
  }

  function startWaiting() {
    clearTimeout(waitTimer);
    ui.typing.hidden = false;
    scrollToEnd();
    waitTimer = setTimeout(() => {
      stopWaiting();
      addMessage({ role: "notice", text: TEXTS.noReply });
    }, REPLY_TIMEOUT_MS);
  }

  // ---------- connection state ----------
  function applyStatus(status) {
    const ready = status === STATUS.READY;
    ui.status.textContent =
      status === STATUS.OFFLINE
        ? TEXTS.offline
        : status === STATUS.FAILED
          ? TEXTS.connectFailed
          : status === STATUS.CONNECTING
            ? TEXTS.connecting
            : "";
    ui.status.hidden = ready;
    ui.panel.classList.toggle("is-offline", !ready);
    ui.input.disabled = !ready;
    ui.sendButton.disabled = !ready;
    ui.log.querySelectorAll(".sto-quick-reply").forEach((button) => {
      button.disabled = !ready;
    });
    // Focus was parked on the heading while the input was disabled; hand it over now.
    if (ready && isOpen() && shadow.activeElement === ui.heading) ui.input.focus();
  }

  function ensureConnection() {
    if (!connection) {
      connection = createConnection({
        serverUrl: config.serverUrl,
        socketPath: config.socketPath,
        getSessionId: () => state.sessionId,
        onStatus: applyStatus,
        onBotMessage: receive,
      });
    }
    connection.start();
  }

  function receive(message) {
    const text = typeof message.text === "string" ? message.text : "";
    const quickReplies = normaliseQuickReplies(message.quick_replies || message.buttons);
    if (!text.trim() && quickReplies.length === 0) return; // attachments etc.: not supported
    stopWaiting();
    if (isNotProcessed(message) && lastSent) {
      // The server could not store the message (an outage): offer to send it again as it was.
      addMessage({ role: "notice", text, quickReplies: [{ title: TEXTS.resend, ...lastSent }] });
      return;
    }
    addMessage({ role: "bot", text, quickReplies });
  }

  function isNotProcessed(message) {
    return Boolean(message.custom && message.custom.status === "not_processed");
  }

  // ---------- sending ----------

  function send(displayText, payload) {
    if (!connection || !connection.send(payload)) return false;
    lastSent = { display: displayText, payload };
    addMessage({ role: "user", text: displayText });
    startWaiting();
    return true;
  }

  function sendQuickReply(reply) {
    send(reply.display || reply.title, reply.payload);
  }

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = ui.input.value.trim().slice(0, MAX_INPUT);
    if (!text) return;
    if (send(text, text)) ui.input.value = "";
    ui.input.focus();
  });

  // ---------- open / close / reset ----------
  function resetIfExpired() {
    if (!isExpired(state)) return false;
    const wasOpen = isOpen();
    state = clearState();
    state.open = wasOpen;
    stopWaiting();
    ui.log.replaceChildren();
    if (connection) connection.restartSession();
    return true;
  }

  function focusInput() {
    if (!ui.input.disabled) ui.input.focus();
    else ui.heading.focus();
  }

  function open({ focus = true } = {}) {
    resetIfExpired();
    ui.panel.hidden = false;
    ui.container.classList.add("is-open");
    ui.launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    state.lastActivity = Date.now();
    ensureWelcome();
    saveState(state);
    ensureConnection();
    scrollToEnd();
    if (focus) focusInput();
  }

  function close() {
    ui.panel.hidden = true;
    ui.container.classList.remove("is-open");
    ui.launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    saveState(state);
    ui.launcher.focus();
  }

  function newConversation() {
    state = clearState();
    state.open = true;
    stopWaiting();
    ui.log.replaceChildren();
    ensureWelcome();
    if (connection) connection.restartSession();
    else ensureConnection();
    focusInput();
  }

  ui.launcher.addEventListener("click", () => (isOpen() ? close() : open()));
  ui.closeButton.addEventListener("click", close);
  ui.newButton.addEventListener("click", newConversation);
  ui.container.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isOpen()) {
      event.preventDefault();
      close();
    }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && resetIfExpired() && isOpen()) ensureWelcome();
  });

  // ---------- start ----------
  applyStatus(STATUS.CONNECTING);
  renderHistory();
  document.body.append(host);
  if (state.open) open({ focus: false });
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init, { once: true });
} else {
  init();
}
