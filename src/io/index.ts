/**
 * The readers' public face, for the CLI and the library: specs (`file`, `file:key`, `-`),
 * shards, one-CSV tables, and the per-format parsers over bytes or text.
 */
export { openInput, openTable, readInput, readTable, readTensor, readStdin, parseList, type ReadOptions, type ReadTableOptions } from './read.js';
export { readPair, type Pair } from './one-file.js';
export { keyByName, ARRAY_NAMES } from './by-name.js';
export { parseInput, sniffFormat, formatOfPath, FORMATS, type Format, type ParseOptions } from './format.js';
export { concatBatch, type Part } from './concat.js';
export { parseTable, type ColumnRef, type Table, type TableOptions } from './table.js';
export { parseNpy, encodeNpy } from './npy.js';
export { parseNpz } from './npz.js';
export { parseSafetensors } from './safetensors.js';
export { parseTorch, pickTorch, type TorchContainer } from './torch/torch.js';
export { pickArray, type Container } from './container.js';
export { parseCsv, parseNumber, type CsvOptions } from './csv.js';
export { parseJson } from './json.js';
export { parseJsonLines } from './jsonl.js';
export { halfToFloat, floatToHalf } from './float16.js';
