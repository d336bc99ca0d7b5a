// DOM building. All user and bot text goes in through textContent / text nodes, never
// innerHTML; only http(s) URLs in bot messages become links, built as elements.
import { TEXTS } from "./texts.js";

let idCounter = 0;
const uid = (name) => `sto-${name}-${++idCounter}`;

function el(tag, className, attrs = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === true) node.setAttribute(key, "");
    else if (value !== false && value != null) node.setAttribute(key, String(value));
  }
  for (const child of children) {
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

const srOnly = (text) => el("span", "sto-sr-only", {}, [text]);

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING_PUNCT = /[.,;:!?'"\u2019\u201d]$/;

// Drop punctuation that ends a sentence rather than the URL, and an unbalanced ")".
function trimUrl(candidate) {
  let url = candidate;
  for (;;) {
    if (TRAILING_PUNCT.test(url)) url = url.slice(0, -1);
    else if (url.endsWith(")") && (url.match(/\(/g) || []).length < (url.match(/\)/g) || []).length)
      url = url.slice(0, -1);
    else return url;
  }
}

function externalLink(href, text) {
  return el("a", "sto-link", { href, target: "_blank", rel: "noopener noreferrer" }, [
    text,
    srOnly(` ${TEXTS.newWindow}`),
  ]);
}

// Bot text -> text nodes with <a> elements for http(s) URLs.
export function linkify(text) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    const url = trimUrl(match[0]);
    let href = null;
    try {
      const parsed = new URL(url);
      if (parsed.protocol === "http:" || parsed.protocol === "https:") href = parsed.href;
    } catch {
      href = null;
    }
    if (!href) continue;
    fragment.append(document.createTextNode(text.slice(last, match.index)));
    fragment.append(externalLink(href, url));
    last = match.index + url.length;
  }
  fragment.append(document.createTextNode(text.slice(last)));
  return fragment;
}

function quickReplyGroup(quickReplies, onQuickReply, disabled) {
  const group = el("div", "sto-quick-replies", { role: "group", "aria-label": TEXTS.suggestionsLabel });
  for (const reply of quickReplies) {
    const button = el("button", "sto-quick-reply", { type: "button", disabled }, [reply.title]);
    button.addEventListener("click", () => onQuickReply(reply));
    group.append(button);
  }
  return group;
}

function welcomeBody(privacyUrl) {
  return [
    el("p", "sto-para", {}, [TEXTS.welcomeIntro]),
    el("p", "sto-para", {}, [
      TEXTS.welcomePrivacyBefore,
      el("a", "sto-link", { href: privacyUrl }, [TEXTS.welcomePrivacyLink]),
      TEXTS.welcomePrivacyAfter,
    ]),
    el("p", "sto-para", {}, [TEXTS.welcomeQuestion]),
  ];
}

// One history entry -> one list item. Quick replies only for the newest message.
export function renderMessage(message, { privacyUrl, onQuickReply, withQuickReplies, disabled }) {
  const role = message.role;
  const item = el("div", `sto-msg sto-msg--${role === "welcome" ? "bot" : role}`);
  const bubble = el("div", "sto-bubble");
  if (role === "user") {
    item.append(srOnly(`${TEXTS.youSaid} `));
    bubble.textContent = message.text;
  } else if (role === "notice") {
    item.append(srOnly(`${TEXTS.noticeSaid} `));
    bubble.textContent = message.text;
  } else if (role === "welcome") {
    item.append(srOnly(`${TEXTS.botSaid} `));
    bubble.append(...welcomeBody(privacyUrl));
  } else {
    item.append(srOnly(`${TEXTS.botSaid} `));
    bubble.append(linkify(message.text));
  }
  item.append(bubble);
  if (withQuickReplies && message.quickReplies && message.quickReplies.length) {
    item.append(quickReplyGroup(message.quickReplies, onQuickReply, disabled));
  }
  return item;
}

// Builds the launcher and the panel inside the given (shadow) root; returns the parts
// the controller needs. Event wiring lives in widget.js.
export function buildWidget(root, config) {
  const panelId = uid("panel");
  const titleId = uid("title");
  const inputId = uid("input");
  const statusId = uid("status");

  const launcher = el(
    "button",
    "sto-launcher",
    { type: "button", "aria-label": TEXTS.launcherLabel, "aria-expanded": "false", "aria-controls": panelId },
    [el("span", "sto-launcher__icon", { "aria-hidden": "true" }), el("span", "sto-launcher__text", {}, [TEXTS.launcherText])],
  );

  const heading = el("h2", "sto-title", { id: titleId, tabindex: "-1" }, [config.title]);
  const newButton = el(
    "button",
    "sto-header-button",
    { type: "button", "aria-label": TEXTS.newConversationLabel },
    [TEXTS.newConversation],
  );
  const closeButton = el("button", "sto-header-button sto-close", { type: "button", "aria-label": TEXTS.closeLabel }, [
    el("span", "", { "aria-hidden": "true" }, ["\u00d7"]),
  ]);
  const header = el("div", "sto-header", {}, [
    el("div", "sto-heading", {}, [heading, el("p", "sto-subtitle", {}, [TEXTS.subtitle])]),
    el("div", "sto-header-actions", {}, [newButton, closeButton]),
  ]);

  const log = el("div", "sto-log", { role: "log", "aria-live": "polite", "aria-label": TEXTS.logLabel, tabindex: "0" });
  const typing = el("div", "sto-typing", { hidden: true }, [
    el("span", "sto-typing__dots", { "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
    el("span", "sto-typing__text", {}, [TEXTS.typing]),
  ]);
  const status = el("p", "sto-status", { id: statusId, role: "status" });

  const input = el("input", "sto-input", {
    id: inputId,
    type: "text",
    name: "message",
    autocomplete: "off",
    maxlength: "500",
    placeholder: TEXTS.placeholder,
    "aria-describedby": statusId,
    enterkeyhint: "send",
  });
  const sendButton = el("button", "sto-send", { type: "submit" }, [TEXTS.send]);
  const form = el("form", "sto-form", { novalidate: true }, [
    el("label", "sto-sr-only", { for: inputId }, [TEXTS.inputLabel]),
    input,
    sendButton,
  ]);
  const footer = el("p", "sto-footer", {}, [
    TEXTS.footerNote,
    " ",
    el("a", "sto-link", { href: config.privacyUrl }, [TEXTS.privacy]),
  ]);

  const panel = el("div", "sto-panel", { id: panelId, role: "dialog", "aria-modal": "false", "aria-labelledby": titleId, hidden: true }, [
    header,
    log,
    typing,
    status,
    form,
    footer,
  ]);

  // lang: the host page may be in another language; screen readers should read Dutch.
  const container = el("div", "sto-root", { lang: "nl" }, [launcher, panel]);
  root.append(container);
  return { container, launcher, panel, heading, newButton, closeButton, log, typing, status, input, sendButton, form };
}
