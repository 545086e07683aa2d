/**
 * `@sluice/plugins`: the plugins a worker can run (built-in packages and npm packages on `plugin.path`),
 * found by class name or alias, and loaded by location in any thread.
 */
export { loadModule } from './load-module.js';
export {
  loadPlugin,
  PluginRegistry,
  type PluginInfo,
  type PluginLocation,
  type RegisteredPlugin,
} from './registry.js';
