import { useState } from 'preact/hooks';
import { ApiError, type GqlError } from '../api';
import { readZip, ZipError } from './zip';
import { inWords } from './vocab';

/** One photo to enroll: the subject it belongs to, where it came from, and its bytes when read. */
export interface Job { subjectRef: string; path: string; read(): Promise<Blob> }
interface Failure { path: string; subjectRef: string; code: string; message: string }

const PHOTO = /\.(jpe?g|png|webp|tiff?|gif)$/i;
const IGNORED = /(^|\/)(\.|__MACOSX\/)/;
const CONCURRENT = 2;

/**
 * The subject of a photo, as `frhub enroll` reads a folder: <folder>/<subjectRef>/<photo>; a photo
 * directly in the chosen folder (or chosen alone) is its own subject, named by its file name.
 */
export function subjectOf(path: string): string {
  const parts = path.split('/').filter(Boolean);
  return parts.length >= 2 ? parts[parts.length - 2] : parts[0].replace(/\.[^.]+$/, '');
}

/** Jobs from files picked in a folder (webkitRelativePath starts with the folder's own name) or one by one. */
export function jobsFromFiles(files: File[]): Job[] {
  return files
    .map((f) => ({ f, rel: (f.webkitRelativePath || f.name).split('/').slice(f.webkitRelativePath ? 1 : 0).join('/') }))
    .filter(({ rel }) => PHOTO.test(rel) && !IGNORED.test(rel))
    .map(({ f, rel }) => ({ subjectRef: subjectOf(rel), path: rel, read: async () => f }));
}

async function jobsFromZip(zip: File): Promise<Job[]> {
  return (await readZip(zip)).filter((e) => PHOTO.test(e.path) && !IGNORED.test(e.path)).map((e) => ({ subjectRef: subjectOf(e.path), path: e.path, read: e.read }));
}

const ENROLL = /* GraphQL */ `mutation EnrollFace($input: EnrollFaceInput!) { enrollFace(input: $input) { created } }`;

/** One enrollment as a GraphQL multipart upload (the API's own limits apply: IMAGE_TOO_LARGE and the rest). */
async function enroll(galleryId: string, job: Job): Promise<boolean> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: ENROLL, variables: { input: { galleryId, subjectRef: job.subjectRef, image: null } } }));
  form.append('map', JSON.stringify({ 0: ['variables.input.image'] }));
  form.append('0', await job.read(), job.path.split('/').pop());
  // the preflight header is the API's CSRF rule for multipart requests
  const res = await fetch('/graphql', { method: 'POST', credentials: 'same-origin', headers: { 'apollo-require-preflight': 'true' }, body: form });
  const body = (await res.json().catch(() => ({ errors: [{ message: `The hub answered HTTP ${res.status}.`, extensions: { code: 'BAD_REQUEST' } }] }))) as { data?: { enrollFace: { created: boolean } }; errors?: GqlError[] };
  const err = body.errors?.[0];
  if (err) throw new ApiError(err.message, err.extensions?.code ?? 'ERROR');
  return body.data!.enrollFace.created;
}

/** Bulk enrollment from a folder, photos or a ZIP file, with a progress bar and the photos that failed, each with the API's code in words. */
export function BulkEnroll({ galleries, onDone }: { galleries: { id: string; name: string }[]; onDone: () => void }) {
  const [galleryId, setGalleryId] = useState('');
  const [jobs, setJobs] = useState<Job[]>([]);
  const [source, setSource] = useState('');
  const [progress, setProgress] = useState({ done: 0, created: 0, already: 0, running: false, finished: false });
  const [failures, setFailures] = useState<Failure[]>([]);
  const [pickError, setPickError] = useState('');
  const gallery = galleryId || galleries[0]?.id || '';

  function choose(list: Job[], from: string) {
    setJobs(list);
    setSource(from);
    setFailures([]);
    setProgress({ done: 0, created: 0, already: 0, running: false, finished: false });
    setPickError(list.length ? '' : `No photos (JPEG, PNG, WebP, TIFF, GIF) in ${from}.`);
  }

  async function start() {
    const tally = { done: 0, created: 0, already: 0 };
    const failed: Failure[] = [];
    setFailures([]);
    setProgress({ ...tally, running: true, finished: false });
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        try {
          if (await enroll(gallery, job)) tally.created++;
          else tally.already++;
        } catch (e) {
          failed.push({ path: job.path, subjectRef: job.subjectRef, code: e instanceof ApiError || e instanceof ZipError ? e.code : 'ERROR', message: (e as Error).message });
          setFailures([...failed]);
        }
        tally.done++;
        setProgress({ ...tally, running: true, finished: false });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT }, worker));
    setProgress({ ...tally, running: false, finished: true });
    onDone();
  }

  const people = new Set(jobs.map((j) => j.subjectRef)).size;
  return (
    <section aria-labelledby="bulk">
      <h2 id="bulk">Bulk enrollment</h2>
      <p class="hint">A folder with one sub-folder per person, named by its reference (e.g. a booking number), the photos inside: <code>bookings/BK-1001/front.jpg</code>. A photo directly in the folder is a person of its own, named by the file. Photos already enrolled are skipped, so a run can be repeated.</p>
      {galleries.length === 0 ? <p>Create a gallery first.</p> : (
        <>
          <label for="bulk-gallery">Into the gallery</label>
          <select id="bulk-gallery" value={gallery} onChange={(e) => setGalleryId(e.currentTarget.value)}>{galleries.map((g) => <option value={g.id}>{g.name}</option>)}</select>
          <label for="bulk-folder">A folder of photos</label>
          <input id="bulk-folder" type="file" {...{ webkitdirectory: true }} multiple disabled={progress.running}
            onChange={(e) => choose(jobsFromFiles([...(e.currentTarget.files ?? [])]), 'the folder')} />
          <label for="bulk-files">Or photos, one person each (named by the file)</label>
          <input id="bulk-files" type="file" multiple accept="image/*" disabled={progress.running}
            onChange={(e) => choose(jobsFromFiles([...(e.currentTarget.files ?? [])]), 'the photos chosen')} />
          <label for="bulk-zip">Or a ZIP file laid out like the folder</label>
          <input id="bulk-zip" type="file" accept=".zip,application/zip" disabled={progress.running}
            onChange={async (e) => {
              const f = e.currentTarget.files?.[0];
              if (!f) return;
              try { choose(await jobsFromZip(f), f.name); } catch (err) { setPickError((err as Error).message); }
            }} />
          {pickError && <p class="error" role="alert">{pickError}</p>}
          {jobs.length > 0 && (
            <>
              <p data-testid="bulk-found">{jobs.length} photo{jobs.length === 1 ? '' : 's'} of {people} {people === 1 ? 'person' : 'people'} in {source}.</p>
              <button type="button" onClick={start} disabled={progress.running}>{progress.running ? 'Enrolling…' : `Enroll ${jobs.length} photos`}</button>
              <label for="bulk-progress">Enrollment progress</label>
              <progress id="bulk-progress" max={jobs.length} value={progress.done} />
              <p role="status" data-testid="bulk-status">
                {progress.done} of {jobs.length} done: {progress.created} enrolled, {progress.already} already enrolled, {failures.length} failed{progress.finished ? '. Finished.' : '.'}
              </p>
            </>
          )}
          {failures.length > 0 && (
            <table data-testid="bulk-failures">
              <caption class="hint">Photos that were not enrolled, with the hub's reason: fix or replace them and run again.</caption>
              <thead><tr><th scope="col">Photo</th><th scope="col">Person</th><th scope="col">Code</th><th scope="col">What it means</th><th scope="col">The hub's message</th></tr></thead>
              <tbody>{failures.map((f) => <tr><td>{f.path}</td><td>{f.subjectRef}</td><td><code>{f.code}</code></td><td>{inWords(f.code)}</td><td>{f.message}</td></tr>)}</tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
