// The live connection to GET /v1/stream. The token goes in the first message rather than the
// URL, so it never lands in access logs. The browser cannot see WebSocket ping frames, so an
// application ping every 20 s, and silence for 45 s, detect a dead connection; reconnects
// back off with jitter so a restarted server is not hit by every page at once. Every
// (re)connect starts with the server's hello, after which the page refetches from the API.
// A close with 4401 tells the page why (the server's error code just before it): TOKEN_EXPIRED
// means "refresh and come back", which the page does before the reconnect.

export function connectStream({ token, onMessage, onState, onUnauthorized }) {
  let socket;
  let attempt = 0;
  let closed = false;
  let lastHeard = 0;
  let retryTimer;
  let watchdog;
  let lastError;

  const url = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/stream`;

  function open() {
    onState('connecting');
    socket = new WebSocket(url());
    socket.onopen = () => {
      attempt = 0;
      lastHeard = Date.now();
      const current = token();
      if (current) socket.send(JSON.stringify({ type: 'auth', token: current }));
      onState('live');
    };
    socket.onmessage = (event) => {
      lastHeard = Date.now();
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (msg.type === 'error') lastError = msg.code;
      onMessage(msg);
    };
    socket.onclose = async (event) => {
      const delay = Math.min(10_000, 500 * 2 ** attempt++) * (0.5 + Math.random() / 2);
      // Reconnects once the page has dealt with it (a refreshed token, or no token at all).
      if (event.code === 4401) await onUnauthorized(lastError);
      lastError = undefined;
      if (closed) return;
      onState('offline');
      retryTimer = setTimeout(open, delay);
    };
  }

  watchdog = setInterval(() => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (Date.now() - lastHeard > 45_000) socket.close();
    else socket.send(JSON.stringify({ type: 'ping' }));
  }, 20_000);

  open();
  return {
    /** Re-authenticates on the open socket (after login) or reconnects anonymously (after logout). */
    reauth() {
      if (token() && socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: 'auth', token: token() }));
      } else if (socket) {
        socket.close();
      }
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      clearInterval(watchdog);
      if (socket) socket.close();
    },
  };
}
