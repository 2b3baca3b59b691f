// The kernel's memory: fixed regions in one memory of 512 pages (32 MiB, asconfig.json's
// initial and maximum size), never grown, so the views the loader keeps on it stay valid: the
// tables and the scratch words from 64 KiB, three regions of REGION_BYTES from 128 KiB (to
// 3.125 MiB), then CSV's scratch, windows and values (to 7.375 MiB), then bce-logits' table (to
// about 7.74 MiB), then the read regions (8 to 32 MiB). Only the pages touched count in a
// process's memory. Exported, so the loader reads the layout from here.
/** exp's table: 128 pairs (tail, scale bits), 16 bytes each (exp.ts). */
export const EXP_TABLE: usize = 1 << 16;
/** log's table: 92 entries (1/c, log c high, log c low, 0), 32 bytes each (log.ts). */
export const LOG_TABLE: usize = EXP_TABLE + 4096;
/** Each region holds 1 MiB: an input block, a second input (targets), outputs. */
export const REGION_BYTES: usize = 1 << 20;
export const REGION_A: usize = 1 << 17;
export const REGION_B: usize = REGION_A + REGION_BYTES;
export const REGION_C: usize = REGION_B + REGION_BYTES;
/** A few results of a call (scan.ts, sum.ts, index-losses.ts) that are not its return value: 32 bytes. */
export const SCRATCH: usize = EXP_TABLE + 8192;
/** The state of a row's sum between pieces (row-stats.ts): lanes 0-3, then the sum, 5 f64. */
export const ROW_SUM: usize = SCRATCH + 32;
/** CSV (csv.ts): its scratch, then the window buffers files are read into, then parsed values. */
export const CSV_SCRATCH: usize = REGION_C + REGION_BYTES;
export const CSV_WINDOWS: usize = CSV_SCRATCH + (1 << 16);
/** Each window: CSV_WINDOW_BYTES, then 64 KiB that no read reaches (a 16-byte load past the end stays inside). */
export const CSV_WINDOW_BYTES: usize = 1 << 20;
export const CSV_WINDOW_COUNT: i32 = 3;
export const CSV_VALUES: usize = CSV_WINDOWS + 3 * (CSV_WINDOW_BYTES + (1 << 16));
/** Two Neumaier sums side by side (sum.ts): the sums of lanes 0 and 1, then their compensations, 4 f64. */
export const LANE_SUMS: usize = ROW_SUM + 64;
/** The least and the greatest target of bce-logits' last call (sum.ts addLanes), 2 f64. */
export const TARGET_BOUNDS: usize = LANE_SUMS + 32;
/** bce-logits' tail (softplus.ts): 9473 entries of 5 f64 (40 bytes), after CSV's values (to about 7.75 MiB). */
export const SOFTPLUS_TABLE: usize = CSV_VALUES + (1 << 20);
/**
 * Blocks of float32/float64 files read straight into the kernel's memory (src/io/array-file.ts),
 * so its loops run on them where they lie: READ_REGION_COUNT regions of READ_REGION_BYTES after
 * bce-logits' table, from 8 MiB (to 32 MiB). A block of a reader's 4 MiB fits, and so does one
 * batch row of up to 8 MiB (a reader's block is one row then: a (21, 256, 256) float32 row of
 * segmentation logits is 5.5 MB), whose slices of positions the kernel reads where they lie
 * (src/kernel/slices.ts); two reads nest
 * (logits, then targets inside their visit), a third for a read nested in those.
 */
export const READ_REGIONS: usize = 8 << 20;
export const READ_REGION_BYTES: usize = 8 << 20;
export const READ_REGION_COUNT: i32 = 3;
/** The swizzles that gather a plain CSV cell's digits (csv-cell.ts fillDigitOrder): 544 of 16 bytes, inside CSV's scratch's 64 KiB. */
export const CSV_DIGIT_ORDER: usize = CSV_SCRATCH + 64;
