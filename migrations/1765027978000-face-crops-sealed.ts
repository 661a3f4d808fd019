import type { MigrationInterface, QueryRunner } from 'typeorm';

// Face crops are kept encrypted (AES-256-GCM, models/face-image-cipher.ts): `image` holds
// IV || ciphertext || tag and `key_id` names the image key that sealed it. The key lives in a file
// (FRHUB_IMAGE_KEYS_FILE), never in the database, so this migration cannot encrypt: rows it finds
// keep their clear bytes with key_id NULL (the marker), are served as they are, and
// `frhub keys reencrypt-images` seals them. The application role may rewrite only those two columns.
export class FaceCropsSealedCrypt1765027978000 implements MigrationInterface {
  name = 'FaceCropsSealedCrypt1765027978000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE face_crops RENAME COLUMN jpeg TO image`);
    await q.query(`ALTER TABLE face_crops ADD COLUMN key_id text`);
    await q.query(`COMMENT ON COLUMN face_crops.image IS 'AES-256-GCM: 12-byte IV, ciphertext, 16-byte tag; clear JPEG where key_id is NULL (stored before encryption)'`);
    await q.query(`CREATE INDEX face_crops_key_id ON face_crops (key_id)`);
    await q.query(`GRANT UPDATE (image, key_id) ON face_crops TO frhub_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    // the database cannot decrypt: reverting with sealed rows would leave ciphertext named jpeg
    const [{ n }] = await q.query(`SELECT count(*)::int AS n FROM face_crops WHERE key_id IS NOT NULL`);
    if (n > 0) throw new Error(`${n} face crop(s) are encrypted: run \`frhub keys reencrypt-images --decrypt\` first (it writes them back in the clear), then revert.`);
    await q.query(`REVOKE UPDATE (image, key_id) ON face_crops FROM frhub_app`);
    await q.query(`DROP INDEX face_crops_key_id`);
    await q.query(`COMMENT ON COLUMN face_crops.image IS NULL`);
    await q.query(`ALTER TABLE face_crops DROP COLUMN key_id`);
    await q.query(`ALTER TABLE face_crops RENAME COLUMN image TO jpeg`);
  }
}
