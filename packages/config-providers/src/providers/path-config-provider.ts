import { ALLOWED_PATHS_PARAM, AllowedPaths } from '../allowed-paths.js';
import type { ConfigData, ConfigProvider, ProviderParams, WarningSink } from '../config-provider.js';

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
}
