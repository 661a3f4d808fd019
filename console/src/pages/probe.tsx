// The probe photo with the face the hub will search outlined, and that face cut out beside a
// candidate's. SVG attributes only: the console's CSP allows no inline style.
import type { PreviewProbeQuery } from '../graphql.generated';

export type Preview = PreviewProbeQuery['previewProbe'];
export type Box = Preview['faces'][number]['box'];

export const PREVIEW = /* GraphQL */ `query PreviewProbe($i: PreviewProbeInput!) { previewProbe(input: $i) { width height faces { quality box { x y width height } } } }`;

/** The whole photo, the chosen face outlined. */
export function OutlinedProbe({ src, preview }: { src: string; preview: Preview }) {
  const { width, height } = preview;
  const line = Math.max(3, Math.round(Math.max(width, height) / 120));
  return (
    <svg class="probe-photo" viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Your probe photo, with the face the hub will search outlined">
      <image href={src} width={width} height={height} />
      {preview.faces.map(({ box }) => (
        <rect x={box.x} y={box.y} width={box.width} height={box.height} fill="none" stroke="#e8a200" stroke-width={line} data-testid="probe-outline" />
      ))}
    </svg>
  );
}

/** Just the chosen face, framed about as the hub frames an enrolled face, to set beside a candidate's. */
export function ProbeFace({ src, preview }: { src: string; preview: Preview }) {
  const { box } = preview.faces[0];
  const side = 1.9 * Math.max(box.width, box.height);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  return (
    <svg class="chip" viewBox={`${cx - side / 2} ${cy - side / 2} ${side} ${side}`} role="img" aria-label="The probe’s face">
      <image href={src} width={preview.width} height={preview.height} />
    </svg>
  );
}
