// One line that says what went wrong, whatever was thrown: a class name and a message, then the
// chain of causes. Never "undefined", "[object Object]" or an empty string, and never a dump of
// a driver object (a pg Client, a socket) that happened to ride along on the error.

const MAX_CAUSES = 5;
const MAX_LENGTH = 2000;

function describeOne(value: unknown): string {
  if (value instanceof Error) {
    // pg names its server errors "error"; the class says more.
    const generic = !value.name || value.name.toLowerCase() === 'error';
    const name = generic ? value.constructor.name || 'Error' : value.name;
    const code = (value as { code?: unknown }).code;
    // A database refusal names its guard (a CHECK, an index, a trigger's CONSTRAINT = '...').
    const guard = (value as { constraint?: unknown }).constraint;
    const guardText = typeof guard === 'string' && guard !== '' ? ` ${guard}` : '';
    const codeText = typeof code === 'string' || typeof code === 'number' ? ` [${code}${guardText}]` : '';
    const message = value.message.trim() || '(no message)';
    return `${name}${codeText}: ${message}`;
  }
  if (value === undefined) return 'an undefined value was thrown (no error object, no message)';
  if (value === null) return 'null was thrown (no error object, no message)';
  if (typeof value === 'string') return value.trim() || 'an empty string was thrown';
  if (typeof value === 'object') {
    const ctor = (value as object).constructor?.name ?? 'Object';
    const message = (value as { message?: unknown }).message;
    if (typeof message === 'string' && message.trim()) return `${ctor}: ${message.trim()}`;
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {
      json = undefined;
    }
    return json && json !== '{}'
      ? `${ctor} was thrown: ${json.slice(0, 300)}`
      : `a ${ctor} with no message was thrown`;
  }
  return `${typeof value} was thrown: ${String(value)}`;
}

/** "Class [code]: message; caused by Class: message; ..." for any thrown value. */
export function describeError(value: unknown): string {
  const parts = [describeOne(value)];
  let cause = value instanceof Error ? value.cause : undefined;
  for (let i = 0; cause !== undefined && i < MAX_CAUSES; i++) {
    parts.push(`caused by ${describeOne(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  const text = parts.join('; ');
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH)}…` : text;
}
