/**
 * Kafka Connect's REST API, as the tools read it: a connector's status and running configuration.
 * (The development stack registers and deletes connectors through the same request function.)
 */

/** Connect answers within this, or the request fails. */
const HTTP_TIMEOUT_MS = 5000;

/** One request; the body is parsed as JSON when it is JSON (Connect answers some errors in plain text). */
export async function connectRequest(
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  const text = await response.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // Connect answers some errors in plain text; keep the text.
  }
  return { status: response.status, json };
}

export interface ConnectorStatus {
  readonly name: string;
  readonly connector: { readonly state: string; readonly worker_id?: string; readonly trace?: string };
  readonly tasks: readonly {
    readonly id: number;
    readonly state: string;
    readonly worker_id?: string;
    readonly trace?: string;
  }[];
}

export async function connectorStatus(
  connectUrl: string,
  name: string,
): Promise<ConnectorStatus | undefined> {
  const { status, json } = await connectRequest(
    'GET',
    `${connectUrl}/connectors/${encodeURIComponent(name)}/status`,
  );
  return status === 200 ? (json as ConnectorStatus) : undefined;
}

/** The configuration the running connector uses (which may differ from the file after a PUT). */
export async function connectorConfig(
  connectUrl: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  const { status, json } = await connectRequest(
    'GET',
    `${connectUrl}/connectors/${encodeURIComponent(name)}/config`,
  );
  return status === 200 ? (json as Record<string, string>) : undefined;
}

/** The first failure trace of a connector status, when the connector or a task FAILED. */
export function failureOf(status: ConnectorStatus): string | undefined {
  if (status.connector.state === 'FAILED') return status.connector.trace ?? 'connector FAILED (no trace)';
  const failedTask = status.tasks.find((task) => task.state === 'FAILED');
  return failedTask ? (failedTask.trace ?? `task ${failedTask.id} FAILED (no trace)`) : undefined;
}

export function isRunning(status: ConnectorStatus): boolean {
  return (
    status.connector.state === 'RUNNING' &&
    status.tasks.length > 0 &&
    status.tasks.every((task) => task.state === 'RUNNING')
  );
}
