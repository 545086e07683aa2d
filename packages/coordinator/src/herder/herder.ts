import type { ConnectorConfig, TargetState } from '../stores/config-store.js';
import type { SourceMap } from '../stores/offset-store.js';
import type { State } from '../stores/status-store.js';

/** Kafka Connect's entities, with its JSON field names: they are the REST API's bodies. */
export type ConnectorType = 'source' | 'sink' | 'unknown';

export interface ConnectorTaskId {
  connector: string;
  task: number;
}

export interface ConnectorInfo {
  name: string;
  config: ConnectorConfig;
  tasks: ConnectorTaskId[];
  type: ConnectorType;
}

export interface StateInfo {
  state: State;
  worker_id: string;
  /** Present only when there is one (Connect omits an empty trace). */
  trace?: string;
}

export interface ConnectorStateInfo {
  name: string;
  connector: StateInfo;
  tasks: Array<StateInfo & { id: number }>;
  type: ConnectorType;
}

export interface TaskInfo {
  id: ConnectorTaskId;
  config: ConnectorConfig;
}

export interface ConnectorOffset {
  partition: SourceMap;
  offset: SourceMap | null;
}

export interface RestartRequest {
  includeTasks: boolean;
  onlyFailed: boolean;
}

/** An internal request as it arrived, for its signature to be checked: its headers and its raw body. */
export interface InternalRequest {
  header(name: string): string | undefined;
  body: Uint8Array;
}

/**
 * What the REST API asks of the worker: Kafka Connect's `Herder`. Every method rejects with a domain
 * error (`HerderError` and its kinds, or a signature rejection) when the request cannot be served; the
 * REST layer maps those to statuses. A rejected request changes nothing.
 */
export interface Herder {
  connectors(): Promise<string[]>;
  connectorInfo(name: string): Promise<ConnectorInfo>;
  connectorConfig(name: string): Promise<ConnectorConfig>;
  /** Creates (`allowReplace` false: 409 if it exists) or replaces a connector's config. */
  putConnectorConfig(
    name: string,
    config: ConnectorConfig,
    options: { allowReplace: boolean; initialState?: TargetState },
  ): Promise<{ created: boolean; info: ConnectorInfo }>;
  /** Applies a partial config: null removes a key. */
  patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo>;
  deleteConnector(name: string): Promise<void>;
  connectorStatus(name: string): Promise<ConnectorStateInfo>;
  taskStatus(name: string, task: number): Promise<StateInfo & { id: number }>;
  taskConfigs(name: string): Promise<TaskInfo[]>;
  pauseConnector(name: string): Promise<void>;
  resumeConnector(name: string): Promise<void>;
  stopConnector(name: string): Promise<void>;
  restartConnector(name: string): Promise<void>;
  /** Restarts per the request; resolves with the status showing RESTARTING where it applies. */
  restartConnectorAndTasks(name: string, request: RestartRequest): Promise<ConnectorStateInfo>;
  restartTask(name: string, task: number): Promise<void>;
  /** Topics the connector's tasks used; none (not a 404) for an unknown connector, as in Connect. */
  activeTopics(name: string): Promise<string[]>;
  resetActiveTopics(name: string): Promise<void>;
  offsets(name: string): Promise<ConnectorOffset[]>;
  /** Alters (null resets) offsets of a STOPPED connector; resolves with Connect's success message. */
  alterOffsets(name: string, offsets: ConnectorOffset[]): Promise<string>;
  resetOffsets(name: string): Promise<string>;
  /**
   * Internal (KIP-507): task configs the worker running the connector generated, for the leader to write.
   * The request's signature is checked against the session key first.
   */
  putTaskConfigs(name: string, configs: ConnectorConfig[], request: InternalRequest): Promise<void>;
  /** How far this worker has read the config topic (the offset after the last record it applied). */
  configOffset(): number;
  /** Resolves once this worker's view reached `offset`, or after `timeoutMs` (then it rejects). */
  awaitConfigOffset(offset: number, timeoutMs: number): Promise<void>;
}
