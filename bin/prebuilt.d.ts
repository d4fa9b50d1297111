/** The URL of the JavaScript copy's cli.js for src/ as it is now (made when missing); undefined when it cannot be made. */
export function prebuiltCli(): Promise<string | undefined>;
