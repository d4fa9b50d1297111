/**
 * The contract's `onFatal`: the connection is gone for good. Raised at most once, and never while the
 * driver is closing on purpose (a close would otherwise read as a lost broker). Shared by the drivers.
 */
export class FatalSignal {
  private readonly listeners: ((error: Error) => void)[] = [];
  private raisedOnce = false;
  private closingOnPurpose = false;

  get raised(): boolean {
    return this.raisedOnce;
  }

  get closing(): boolean {
    return this.closingOnPurpose;
  }

  listen(listener: (error: Error) => void): void {
    this.listeners.push(listener);
  }

  raise(error: Error): void {
    if (this.raisedOnce || this.closingOnPurpose) return;
    this.raisedOnce = true;
    for (const listener of this.listeners) listener(error);
  }

  /** From now on, connection errors are the driver's own doing. */
  closeOnPurpose(): void {
    this.closingOnPurpose = true;
  }
}
