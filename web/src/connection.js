// Talks to Rasa's socket.io channel (session_persistence: true).
// Protocol: on every (re)connect emit session_request {session_id}; the server answers with
// session_confirm and puts this socket in the session's room. Messages go out as
// user_uttered and come back as bot_uttered, one event per text part.
import { io } from "socket.io-client";

export const STATUS = {
  CONNECTING: "connecting", // first connection attempt
  READY: "ready", // connected and session confirmed
  OFFLINE: "offline", // was connected, lost it, reconnecting
  FAILED: "failed", // could not connect yet, still retrying
};

export function createConnection({ serverUrl, socketPath, getSessionId, onStatus, onBotMessage }) {
  let everConnected = false;
  let status = null;

  const setStatus = (next) => {
    if (next !== status) {
      status = next;
      onStatus(next);
    }
  };

  const socket = io(serverUrl, {
    path: socketPath,
    // The server only accepts websocket upgrades from allowed origins; no long-polling.
    transports: ["websocket"],
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 10000,
    autoConnect: false,
  });

  socket.on("connect", () => {
    everConnected = true;
    socket.emit("session_request", { session_id: getSessionId() });
  });

  socket.on("session_confirm", (confirmed) => {
    const id = typeof confirmed === "string" ? confirmed : confirmed && confirmed.session_id;
    if (id === getSessionId()) setStatus(STATUS.READY);
  });

  socket.on("bot_uttered", (message) => {
    if (message && typeof message === "object") onBotMessage(message);
  });

  socket.on("disconnect", (reason) => {
    setStatus(everConnected ? STATUS.OFFLINE : STATUS.CONNECTING);
    // After a server-side disconnect socket.io does not reconnect by itself.
    if (reason === "io server disconnect") socket.connect();
  });

  socket.on("connect_error", () => {
    setStatus(everConnected ? STATUS.OFFLINE : STATUS.FAILED);
  });

  return {
    start() {
      if (!socket.connected && !socket.active) {
        setStatus(STATUS.CONNECTING);
        socket.connect();
      }
    },
    // Re-announce the session, e.g. after "Nieuw gesprek". Reconnecting leaves the old
    // session's room on the server so its replies no longer reach this page.
    restartSession() {
      everConnected = false;
      setStatus(STATUS.CONNECTING);
      socket.disconnect();
      socket.connect();
    },
    isReady: () => status === STATUS.READY,
    send(text) {
      if (status !== STATUS.READY) return false;
      socket.emit("user_uttered", {
        message: text,
        session_id: getSessionId(),
        metadata: { page: window.location.pathname },
      });
      return true;
    },
  };
}
