// Keeps the conversation (session id, rendered history, open/closed) in localStorage so it
// survives reloads and navigation within the site. Falls back to memory when storage is
// blocked (private mode, disabled cookies) so the widget still works on a single page.

const KEY = "sto-assistent:chat:v1";
export const MAX_MESSAGES = 200;
export const EXPIRY_MS = 60 * 60 * 1000;

let memoryFallback = null;

export function newSessionId() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") {
    return window.crypto.randomUUID();
  }
  // randomUUID exists only in secure contexts (https, localhost); build a v4 UUID otherwise.
  const b = window.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function freshState() {
  return { version: 1, sessionId: newSessionId(), lastActivity: Date.now(), open: false, messages: [] };
}

function isValid(state) {
  return (
    state &&
    state.version === 1 &&
    typeof state.sessionId === "string" &&
    /^[0-9a-f-]{36}$/i.test(state.sessionId) &&
    typeof state.lastActivity === "number" &&
    Array.isArray(state.messages)
  );
}

export function isExpired(state, now = Date.now()) {
  return now - state.lastActivity > EXPIRY_MS;
}

// Returns the stored state, or a fresh one if there is none, it is corrupt or it expired.
export function loadState() {
  let state = null;
  try {
    const raw = window.localStorage.getItem(KEY);
    state = raw ? JSON.parse(raw) : null;
  } catch {
    state = memoryFallback;
  }
  if (!isValid(state) || isExpired(state)) {
    state = freshState();
    saveState(state);
  }
  return state;
}

export function saveState(state) {
  if (state.messages.length > MAX_MESSAGES) {
    state.messages.splice(0, state.messages.length - MAX_MESSAGES);
  }
  try {
    window.localStorage.setItem(KEY, JSON.stringify(state));
  } catch {
    memoryFallback = state; // quota exceeded or storage blocked
  }
}

export function clearState() {
  try {
    window.localStorage.removeItem(KEY);
  } catch {
    /* storage blocked: nothing stored */
  }
  memoryFallback = null;
  const state = freshState();
  saveState(state);
  return state;
}
