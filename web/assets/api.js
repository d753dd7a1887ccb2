// The public API from the browser: JSON requests with the bearer token, errors turned into
// messages a player understands, and amounts kept as integers of minor units (shown with
// two decimals; parsed from text without ever going through a float).

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export async function api(method, path, { token, body, idempotencyKey } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'NETWORK', 'network error');
  }
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : {};
    throw new ApiError(
      res.status,
      err.code || `HTTP_${res.status}`,
      err.message || res.statusText,
      err.details,
    );
  }
  return data;
}

export function formatAmount(minor) {
  if (minor === null || minor === undefined) return '–';
  const negative = minor < 0;
  const digits = String(Math.abs(minor)).padStart(3, '0');
  const units = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${units}.${digits.slice(-2)}`;
}

/** "12.5" -> 1250. Refuses anything but a plain positive decimal with at most two places. */
export function parseAmount(text) {
  const match = /^\s*(\d{1,13})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!match) throw new ApiError(0, 'INVALID_AMOUNT', 'bad amount');
  const minor = Number(match[1]) * 100 + Number((match[2] || '').padEnd(2, '0'));
  if (minor <= 0) throw new ApiError(0, 'INVALID_AMOUNT', 'bad amount');
  return minor;
}

const MESSAGES = {
  NETWORK: 'Cannot reach the server. Check your connection and try again.',
  INSUFFICIENT_FUNDS: 'Not enough balance for that amount.',
  ROUND_NOT_OPEN: 'Betting has closed for this round. Wait for the next one.',
  INVALID_AMOUNT: 'Enter a positive amount with at most two decimals, e.g. 2.50.',
  INVALID_SIDE: 'Pick one of the two colours.',
  INVALID_CREDENTIALS: 'Wrong username or password.',
  USERNAME_TAKEN: 'That username is taken. Pick another one.',
  UNAUTHORIZED: 'Your session has expired. Please log in again.',
  TOKEN_EXPIRED: 'Your session has expired. Please log in again.',
  OVERLOADED: 'The service is busy. Try again in a moment.',
  FORBIDDEN: 'This account is not allowed to do that.',
  NOT_FOUND: 'Not found.',
  BET_NOT_CANCELLABLE: 'Nothing left to cancel: the bet is fully matched or already cancelled.',
  ROUND_NOT_VOIDABLE: 'That round is already settled or voided.',
  ROUND_NOT_REVEALED: 'That round has not revealed its seed yet.',
  WITHDRAWAL_DECIDED: 'That withdrawal was already decided.',
  DEPOSIT_REFERENCE_CONFLICT: 'That reference was already used for a different deposit.',
  IDEMPOTENCY_IN_PROGRESS: 'The same request is still being processed. Wait a moment.',
  IDEMPOTENCY_CONFLICT: 'That request key was already used for a different request.',
  RATE_LIMITED: 'Too many requests. Slow down a little.',
  UNAVAILABLE: 'The service is briefly unavailable. Try again in a moment.',
};

// Words a validator uses about its schema: such a message is replaced, never shown.
const SCHEMA_WORDS =
  /\b(body|querystring|params|headers)\.|must (match|be|have|NOT)|pattern|additional propert/i;

/**
 * A sentence for any error. The server's own message is shown when it is plain words (it often
 * says more than a generic line: "No player wallet for user 23"); a few codes get this page's
 * own words; a validator's message never reaches the person.
 */
export function errorText(err) {
  if (!(err instanceof ApiError)) return `Something went wrong: ${err && err.message ? err.message : err}`;
  const d = err.details || {};
  if (err.code === 'LIMIT_EXCEEDED' && d.minBet !== undefined) {
    return `A bet must be between ${formatAmount(d.minBet)} and ${formatAmount(d.maxBet)}.`;
  }
  if (err.code === 'INVALID_AMOUNT' && d.maxDeposit !== undefined) {
    return `A deposit is at most ${formatAmount(d.maxDeposit)}.`;
  }
  if (err.status === 0 || OWN_WORDS.has(err.code)) return MESSAGES[err.code] || err.message;
  if (err.message && !SCHEMA_WORDS.test(err.message)) return err.message;
  if (d.field) return `Please check the ${d.field.split('.').pop()}: it is not valid.`;
  return MESSAGES[err.code] || 'That request was not accepted. Please check what you entered.';
}

// Codes whose server message is terse or technical: this page says it better.
const OWN_WORDS = new Set([
  'NETWORK',
  'INSUFFICIENT_FUNDS',
  'ROUND_NOT_OPEN',
  'INVALID_CREDENTIALS',
  'UNAUTHORIZED',
  'TOKEN_EXPIRED',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'OVERLOADED',
  'IDEMPOTENCY_IN_PROGRESS',
  'IDEMPOTENCY_CONFLICT',
  'BET_NOT_CANCELLABLE',
]);

/** The claims of our own JWT (for display only; the server verifies every request). */
export function tokenClaims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part));
  } catch {
    return null;
  }
}

/** DOM helper: text goes in as text, never as HTML, so names from the server cannot inject markup. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (id) => document.getElementById(id);

/** Runs fn at most once per `ms`, trailing: bursts of events become one refetch. */
export function debounce(fn, ms) {
  let timer;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

export function showMessage(node, text, kind = 'error') {
  node.textContent = text;
  node.className = `msg ${text ? kind : ''}`;
}

export const timeOf = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '–');
