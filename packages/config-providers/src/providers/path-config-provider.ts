import type { SluiceError } from '@sluice/errors';
import { ALLOWED_PATHS_PARAM, AllowedPaths } from '../allowed-paths.js';
import {
  providerFailure,
  type ConfigData,
  type ConfigProvider,
  type ProviderParams,
  type WarningSink,
} from '../config-provider.js';
import { FileReadError } from '../read-regular-file.js';

/** What the file and directory providers share: `allowed.paths`, and where a refused path is reported. */
export abstract class PathConfigProvider implements ConfigProvider {
  protected constructor(
    protected readonly allowedPaths: AllowedPaths,
    protected readonly warn: WarningSink,
  ) {}

  /** The constructor arguments a provider's params give. */
  protected static settings(params: ProviderParams): [AllowedPaths, WarningSink] {
    return [
      AllowedPaths.parse(params.value(ALLOWED_PATHS_PARAM), params.key(ALLOWED_PATHS_PARAM)),
      params.warn,
    ];
  }

  abstract get(path: string, keys: ReadonlySet<string>): Promise<ConfigData>;

  /** Files are read afresh on every lookup: nothing is held open. */
  close(): void {}

  /**
   * Whether failures to read `path` may say why (missing, not readable, not a regular file). Within
   * `allowed.paths` they may: the operator lets connector configs read there. Without `allowed.paths` anyone
   * who can create a connector can name any path, so the reason would tell them which paths exist: it goes
   * to the worker's log only, and the failure reads the same whatever the reason.
   */
  protected showsReasons(): boolean {
    return this.allowedPaths.restricted;
  }

  /** The failure for a file that could not be read, worded as {@link showsReasons} allows. */
  protected readFailure(message: string, error: unknown): SluiceError {
    if (!(error instanceof FileReadError)) return providerFailure(message, error);
    if (this.showsReasons()) return providerFailure(`${message}: ${error.detailedMessage}`);
    this.warn(`${message}: ${error.detailedMessage}`);
    return providerFailure(`${message}: ${error.message}`);
  }
}
