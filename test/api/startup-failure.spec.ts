import { resolve } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../server/config';
import { createHub } from '../../server/composition/create-hub';
import { hubWorkspace, type HubWorkspace } from '../support/process';

// A start-up step that fails after the database and the models are open (here: the schema was never
// migrated) must close them again, so the same process can start a hub on that data directory.
describe('a hub whose start-up fails half way', () => {
  let ws: HubWorkspace;
  beforeAll(async () => {
    ws = await hubWorkspace(process.env.DATABASE_URL || undefined, '');
  });
  afterAll(() => ws.drop());

  const config = (migrate: boolean) =>
    loadConfig({
      ...process.env,
      FRHUB_DATA_DIR: ws.dataDir,
      FRHUB_MODEL_DIR: resolve(__dirname, '../../data/models'),
      FRHUB_INFERENCE_PROVIDER: 'cpu',
      FRHUB_MIGRATE_ON_START: String(migrate),
      DATABASE_URL: ws.databaseUrl ?? '',
      DATABASE_READ_URLS: '',
    });

  it('releases the database, its lock and the engine: a hub then starts on the same data directory', async () => {
    const logger = pino({ level: 'silent' });
    await expect(createHub(config(false), { logger })).rejects.toThrow(/face_templates|relation|does not exist/);
    const hub = await createHub(config(true), { logger });
    await hub.close();
  });
});
