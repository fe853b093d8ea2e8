// postgres.js's own codes for a connection it lost, and node's socket errors.
const DRIVER_CODE = /^(CONNECTION_(CLOSED|ENDED|DESTROYED)|ECONNRESET|EPIPE|ETIMEDOUT)$/;
// SQLSTATE classes 08 (connection exception) and 57P (the server ends the session), and 25P03
// (idle_in_transaction_session_timeout): after these the server closes the connection.
const SERVER_CODE = /^(08...|57P0[1-5]|25P03)$/;

/** Whether an error (or the error it wraps, as Drizzle's `DrizzleQueryError` does) means the connection is gone. */
export function connectionLost(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    const { code } = e as { code?: unknown };
    if (typeof code === 'string' && (DRIVER_CODE.test(code) || SERVER_CODE.test(code))) return true;
  }
  return false;
}
