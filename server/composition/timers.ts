import type pino from 'pino';
import type { DataSource } from 'typeorm';
import type { TenantService } from '../../tenants/directory/tenant.service.js';
import type { CalibrationJob } from '../../tenants/calibration/calibration-job.js';
import type { RetentionService } from '../../tenants/retention/retention.service.js';
import { unauditedTokens } from '../auth/token-ledger.js';
import type { Config } from '../config.js';
import { LockKey, SchedulerLock, withLock } from '../database/advisory-locks.js';

/**
 * Tokens minted by `frhub token` (no database there) reach the audit chain at start and each minute;
 * under a lock, so replicas sharing a data directory never audit the same ledger lines twice.
 */
export async function auditTokenLedger(dataDir: string, shared: DataSource | undefined, tenants: TenantService, logger: pino.Logger): Promise<{ audit(wait?: boolean): Promise<void>; stop(): void }> {
  const audit = async (wait = true) => {
    await withLock(shared, LockKey.TOKEN_LEDGER, async () => {
      const pending = unauditedTokens(dataDir);
      await tenants.auditIssuedTokens(pending.tokens);
      pending.commit();
    }, { wait });
  };
  await audit();
  const timer = setInterval(() => audit(false).catch((err) => logger.error({ err, job: 'token-ledger' }, 'could not audit issued tokens')), 60_000).unref();
  return { audit, stop: () => clearInterval(timer) };
}

/**
 * Every replica ticks; only the one holding the scheduler lock runs the retention purge and measures
 * the galleries' calibrations (stored, never adopted: an operator adopts).
 */
export function scheduleJobs(
  config: Pick<Config, 'purgeIntervalMinutes' | 'calibrationIntervalMinutes'>, shared: DataSource | undefined,
  jobs: { retention: RetentionService; calibration: CalibrationJob }, logger: pino.Logger,
): { stop(): Promise<void> } {
  const { retention } = jobs;
  const scheduler = new SchedulerLock(shared, (held, err) =>
    held
      ? logger.info({ job: 'scheduler' }, 'this replica holds the scheduler lock: it runs the retention purge for every replica on this database')
      : logger.warn({ job: 'scheduler', err }, 'lost the scheduler lock (its database connection failed): another replica takes the scheduled work over'),
  );
  const purgeTimer = config.purgeIntervalMinutes > 0
    ? setInterval(() => {
        scheduler.holds()
          .then(async (mine) => {
            if (!mine) return;
            const r = await retention.purge({ requestId: `purge-${Date.now()}` });
            logger.info({ job: 'purge', purged: r.perTenant }, `retention purge ran: deleted ${r.searches} expired searches`);
          })
          .catch((err) => logger.error({ err, job: 'purge' }, 'retention purge failed'));
      }, config.purgeIntervalMinutes * 60_000).unref()
    : undefined;
  const calibrationTimer = config.calibrationIntervalMinutes > 0
    ? setInterval(() => {
        scheduler.holds()
          .then(async (mine) => void (mine && (await jobs.calibration.run(`calibration-${Date.now()}`))))
          .catch((err) => logger.error({ err, job: 'calibration' }, 'calibration job failed'));
      }, config.calibrationIntervalMinutes * 60_000).unref()
    : undefined;
  return {
    async stop() {
      if (purgeTimer) clearInterval(purgeTimer);
      if (calibrationTimer) clearInterval(calibrationTimer);
      jobs.calibration.stop();
      await scheduler.close();
    },
  };
}
