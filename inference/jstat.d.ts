// The part of jstat (no type declarations of its own) that the calibration uses.
declare module 'jstat' {
  export const jStat: {
    beta: {
      /** the p-quantile of Beta(a, b) */
      inv(p: number, a: number, b: number): number;
    };
  };
}
