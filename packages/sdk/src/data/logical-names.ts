/** Names of Connect's logical types, shared by validation and converters. */
export const DECIMAL_LOGICAL_NAME = 'org.apache.kafka.connect.data.Decimal';
export const DATE_LOGICAL_NAME = 'org.apache.kafka.connect.data.Date';
export const TIME_LOGICAL_NAME = 'org.apache.kafka.connect.data.Time';
export const TIMESTAMP_LOGICAL_NAME = 'org.apache.kafka.connect.data.Timestamp';
/** The schema parameter holding a Decimal's scale. */
export const DECIMAL_SCALE_PARAMETER = 'scale';
