import type { MigrationInterface, QueryRunner } from 'typeorm';

// A request's probe photos and a released lead's face are kept sealed like enrollment crops
// (models/face-image-cipher.ts): the key id beside the bytes. Rows already there keep their clear
// bytes with a NULL key id (the marker) until `frhub keys reencrypt-images` seals them; the keys live
// outside the database, so this migration cannot.
export class RequestImagesSealed1765031200000 implements MigrationInterface {
  name = 'RequestImagesSealed1765031200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE request_probes ADD COLUMN key_id text`);
    await q.query(`ALTER TABLE requests ADD COLUMN lead_face_key_id text`);
    await q.query(`COMMENT ON COLUMN request_probes.image IS 'AES-256-GCM: 12-byte IV, ciphertext, 16-byte tag; clear where key_id is NULL (stored before encryption)'`);
    await q.query(`COMMENT ON COLUMN requests.lead_face IS 'AES-256-GCM: 12-byte IV, ciphertext, 16-byte tag; clear where lead_face_key_id is NULL (stored before encryption)'`);
    await q.query(`GRANT UPDATE (image, key_id) ON request_probes TO frhub_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    const [{ n }] = await q.query(`SELECT (SELECT count(*) FROM request_probes WHERE key_id IS NOT NULL) + (SELECT count(*) FROM requests WHERE lead_face_key_id IS NOT NULL) AS n`);
    if (Number(n) > 0) throw new Error(`${n} request image(s) are encrypted: run \`frhub keys reencrypt-images --decrypt\` first (it writes them back in the clear), then revert.`);
    await q.query(`REVOKE UPDATE (image, key_id) ON request_probes FROM frhub_app`);
    await q.query(`COMMENT ON COLUMN requests.lead_face IS NULL`);
    await q.query(`COMMENT ON COLUMN request_probes.image IS NULL`);
    await q.query(`ALTER TABLE requests DROP COLUMN lead_face_key_id`);
    await q.query(`ALTER TABLE request_probes DROP COLUMN key_id`);
  }
}
