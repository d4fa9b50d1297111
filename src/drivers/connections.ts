/** A client connection of whichever broker. */
interface Closable {
  close(): Promise<unknown>;
}

/**
 * Closes a driver's two connections (drivers whose consumers read on a connection of their own), the
 * consumers' first, never throwing: a consumer connection that never opened (its promise rejected) or
 * a connection that fails to close is gone either way. The publishing connection is read only once the
 * consumers' is closed, as a reconnect may have replaced it meanwhile.
 */
export async function closeConnections(
  consumerConnection: Promise<Closable> | undefined,
  publishingConnection: () => Closable | undefined,
): Promise<void> {
  const consumers = await consumerConnection?.catch(() => undefined);
  await consumers?.close().catch(() => undefined);
  await publishingConnection()?.close().catch(() => undefined);
}
