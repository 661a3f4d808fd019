// The probe photo with the face the hub will search outlined, and that face cut out beside a
// candidate's. SVG attributes only: the console's CSP allows no inline style.
import type { PreviewProbeQuery } from '../graphql.generated';

export type Preview = PreviewProbeQuery['previewProbe'];
export type Box = Preview['faces'][number]['box'];

export const PREVIEW = /* GraphQL */ `query PreviewProbe($i: PreviewProbeInput!) { previewProbe(input: $i) { width height faces { quality box { x y width height } components { interEyePx yawDeg pitchDeg rollDeg sharpness exposure clipped inFrame } } } }`;

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

type Components = Preview['faces'][number]['components'];
const fixed = (x: number | null | undefined, digits: number, unit = '') => (x === null || x === undefined ? 'not measured' : `${x.toFixed(digits)}${unit}`);

/** The probe's quality in the parts an examiner can act on (ISO/IEC 29794-5's components), beside the photo. */
export function QualityParts({ components: c }: { components: Components }) {
  const rows: [string, string][] = [
    ['Pixels between the eyes', `${fixed(c.interEyePx, 0)} (40 or more is a good face size)`],
    ['Head turned (yaw)', fixed(c.yawDeg, 0, '°')],
    ['Head tilted (pitch)', fixed(c.pitchDeg, 0, '°')],
    ['Head leaning (roll)', fixed(c.rollDeg, 0, '°')],
    ['Sharpness', `${fixed(c.sharpness, 0)} (under about 50 is blurred)`],
    ['Exposure', `${fixed(c.exposure, 2)} (0 black, 1 white)`],
    ['Crushed or burnt pixels', c.clipped === null || c.clipped === undefined ? 'not measured' : `${(c.clipped * 100).toFixed(1)}%`],
    ['Face inside the photo', c.inFrame === null || c.inFrame === undefined ? 'not measured' : `${(c.inFrame * 100).toFixed(0)}%`],
  ];
  return (
    <table class="quality-parts" data-testid="probe-quality">
      <caption>Probe quality, in parts</caption>
      <tbody>{rows.map(([k, v]) => <tr><th scope="row">{k}</th><td>{v}</td></tr>)}</tbody>
    </table>
  );
}
