import { kafkaBootstrap } from '@sluice/test-kit';
import { describeAdminContract } from '../admin.test-suite.js';
import { describeLogContract } from '../contract.test-suite.js';
import { KafkaLog } from './kafka-log.js';

describeLogContract('kafka', () =>
  KafkaLog.open({ brokers: kafkaBootstrap(), clientId: 'sluice-log-contract' }),
);
describeAdminContract('kafka', () =>
  KafkaLog.open({ brokers: kafkaBootstrap(), clientId: 'sluice-admin-contract' }),
);
