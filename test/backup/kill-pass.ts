// Child process of passes.test.ts: one backup pass of an account, to be killed with SIGKILL midway.
import { createServices } from '../../control-plane/services';
import { findAccountById } from '../../tenancy/repositories/accounts';
import { backupAccount } from '../../backup/engine/pass';
import { testConfig } from '../support/env';

async function main(): Promise<void> {
  const services = createServices(testConfig());
  const account = await findAccountById(services.db, process.argv[2]!);
  await backupAccount(services, account!, { trigger: 'demand' });
  process.stdout.write('done\n');
  await services.close();
}
void main();
