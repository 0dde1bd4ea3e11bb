// Can a cluster of this driver boot here? For a test suite to skip with the reason instead of failing
// (no ZooKeeper or Java for the process driver, no dockerd for the Docker driver).
import { DriverUnavailableError } from '../cluster/drivers/driver.js';
import { createDriver } from '../cluster/drivers/registry.js';
import type { DriverName } from '../cluster/spec.js';

/** Why `startCluster({ driver })` cannot boot here (what to install or start), or null when it can. */
export async function clusterUnavailable(driver: DriverName = 'process'): Promise<string | null> {
  try {
    await (await createDriver(driver)).preflight();
    return null;
  } catch (err) {
    if (err instanceof DriverUnavailableError) return err.message;
    throw err;
  }
}
