/**
 * `@sluice/connect-rest`: Kafka Connect's REST API (paths, status codes, bodies and messages of Connect
 * 3.9) over the control plane's herder, on the shared HTTP layer of `@sluice/rest`.
 */
export {
  CONNECT_API_VERSION,
  createConnectApp,
  DEFAULT_REST_REQUEST_TIMEOUT_MS,
  type RestDependencies,
  type ServerInfo,
} from './app.js';
export { mapHerderError } from './errors.js';
