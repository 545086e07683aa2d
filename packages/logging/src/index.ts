export { isLevel, LEVELS, Loggers, ROOT, type Level, type Logger, type LoggerLevel } from './loggers.js';
