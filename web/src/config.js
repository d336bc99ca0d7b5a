// Reads the widget configuration from the data-* attributes of its own <script> tag,
// so the host page needs no inline script (which a strict CSP would block).
import { TEXTS } from "./texts.js";

export const DEFAULT_PRIMARY = "#00558c";
const PLACEHOLDER = "__RASA_SERVER_URL__";

// document.currentScript is only set while the bundle is first evaluated, so capture it now.
const OWN_SCRIPT =
  document.currentScript ||
  document.querySelector("script[data-server-url]") ||
  document.querySelector('script[src*="sto-widget"]');

// Without a configured server the widget talks to the page's own origin (as behind a
// reverse proxy that serves both the page and /socket.io/).
function defaultServerUrl() {
  return window.location.origin;
}

function parseServerUrl(raw) {
  const value = (raw || "").trim();
  if (!value || value === PLACEHOLDER) return defaultServerUrl();
  try {
    const url = new URL(value, window.location.href);
    if (url.protocol !== "http:" && url.protocol !== "https:") return defaultServerUrl();
    // Only the origin: socket.io-client would read a path as a namespace. A Rasa server
    // behind a path prefix is configured with data-socket-path instead.
    return url.origin;
  } catch {
    return defaultServerUrl();
  }
}

function hexToRgb(hex) {
  let h = hex.slice(1);
  if (h.length === 3) h = h.split("").map((c) => c + c).join("");
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
}

// WCAG relative luminance / contrast ratio; white text sits on the primary colour.
function contrastWithWhite(hex) {
  const [r, g, b] = hexToRgb(hex).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return 1.05 / (lum + 0.05);
}

export function parsePrimaryColor(raw) {
  const value = (raw || "").trim();
  if (!value) return DEFAULT_PRIMARY;
  if (!/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(value)) {
    console.warn(`[sto-widget] data-primary-color "${value}" is not #rgb or #rrggbb; using default.`);
    return DEFAULT_PRIMARY;
  }
  if (contrastWithWhite(value) < 4.5) {
    console.warn(
      `[sto-widget] data-primary-color ${value} gives white text a contrast below 4.5:1; using default.`,
    );
    return DEFAULT_PRIMARY;
  }
  return value;
}

// Only http(s) links: a data attribute must not be able to smuggle in a javascript: URL.
function safeHref(raw, fallback) {
  try {
    const url = new URL((raw || "").trim() || fallback, window.location.href);
    if (url.protocol === "http:" || url.protocol === "https:") return url.href;
  } catch {
    /* fall through */
  }
  return new URL(fallback, window.location.href).href;
}

function stylesheetUrl(script) {
  const explicit = script && script.dataset.stylesheetUrl;
  if (explicit) return new URL(explicit, window.location.href).href;
  if (script && script.src) return new URL("sto-widget.css", script.src).href;
  return new URL("/sto-widget.css", window.location.href).href;
}

export function readConfig(script = OWN_SCRIPT) {
  const data = (script && script.dataset) || {};
  return {
    serverUrl: parseServerUrl(data.serverUrl),
    socketPath: data.socketPath || "/socket.io",
    title: (data.title || "").trim() || TEXTS.defaultTitle,
    primaryColor: parsePrimaryColor(data.primaryColor),
    privacyUrl: safeHref(data.privacyUrl, "/privacy.html"),
    stylesheetUrl: stylesheetUrl(script),
  };
}
