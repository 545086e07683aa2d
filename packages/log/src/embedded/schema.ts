/**
 * The embedded store's tables. Records are rows keyed by (topic, partition, offset), so a fetch is one
 * range scan of the primary key. `latest` indexes the newest offset of each key of compacted topics only,
 * keeping that bookkeeping off the hot path of ordinary topics.
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS topics (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  partitions INTEGER NOT NULL,
  compacted INTEGER NOT NULL,
  configs TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS partitions (
  topic_id INTEGER NOT NULL,
  partition INTEGER NOT NULL,
  start_offset INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  PRIMARY KEY (topic_id, partition)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
  topic_id INTEGER NOT NULL,
  partition INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  key BLOB,
  value BLOB,
  headers BLOB,
  PRIMARY KEY (topic_id, partition, offset)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS latest (
  topic_id INTEGER NOT NULL,
  partition INTEGER NOT NULL,
  key BLOB NOT NULL,
  offset INTEGER NOT NULL,
  PRIMARY KEY (topic_id, partition, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_offsets (
  group_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  partition INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  PRIMARY KEY (group_id, topic, partition)
) WITHOUT ROWID;
`;
