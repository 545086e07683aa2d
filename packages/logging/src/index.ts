export {
  isLevel,
  LEVELS,
  LoggerLimitError,
  Loggers,
  MAX_CREATED_LOGGERS,
  MAX_LOGGER_NAME_LENGTH,
  ROOT,
  type Level,
  type Logger,
  type LoggerLevel,
} from './loggers.js';
