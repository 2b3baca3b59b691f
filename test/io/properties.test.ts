/**
 * Properties over random inputs: shards split anywhere concatenate back; JSON Lines equal
 * the JSON array of the same rows; safetensors files laid out as the reference writer does
 * read back every tensor.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBatch } from '../../src/io/concat.js';
import { pickArray } from '../../src/io/container.js';
import { parseJson } from '../../src/io/json.js';
import { parseJsonLines } from '../../src/io/jsonl.js';
import { parseSafetensors } from '../../src/io/safetensors.js';
import type { Tensor } from '../../src/tensor.js';

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

describe('properties', () => {
  it('a tensor split into shards along dim 0 concatenates back', () => {
    fc.assert(
      fc.property(fc.array(fc.array(finite, { minLength: 3, maxLength: 3 }), { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 4 }), (rows, cuts) => {
        const flat = rows.flat();
        const points = [...new Set(cuts.map((c) => c % (rows.length + 1)))].sort((a, b) => a - b);
        const bounds = [0, ...points, rows.length];
        const parts = bounds.slice(1).map((end, i) => {
          const start = bounds[i];
          const tensor: Tensor = { data: new Float64Array(flat.slice(start * 3, end * 3)), shape: [end - start, 3], dtype: 'float64' };
          return { tensor, source: `part${i}` };
        });
        const t = concatBatch(parts);
        expect(t.shape).toEqual([rows.length, 3]);
        expect(Array.from(t.data)).toEqual(flat);
      }),
    );
  });

  it('JSON Lines read as the JSON array of the same rows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }).chain((n) => fc.array(fc.array(finite, { minLength: n, maxLength: n }), { minLength: 1, maxLength: 8 })), fc.boolean(), (rows, crlf) => {
        const eol = crlf ? '\r\n' : '\n';
        const lines = parseJsonLines(rows.map((r) => JSON.stringify(r)).join(eol) + eol, 'r.jsonl');
        const array = parseJson(JSON.stringify(rows), 'r.json');
        expect(lines.shape).toEqual(array.shape);
        expect(Array.from(lines.data)).toEqual(Array.from(array.data));
      }),
    );
  });

  it('safetensors in the reference layout read back every tensor', () => {
    const tensorArb = fc.record({
      name: fc.string({ minLength: 1, maxLength: 6 }),
      shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(fc.uniqueArray(tensorArb, { selector: (t) => t.name, minLength: 1, maxLength: 5 }), (specs) => {
        const tensors = specs
          .filter((s) => s.name !== '__metadata__')
          .map(({ name, shape, seed }) => {
            const n = shape.reduce((a, b) => a * b, 1);
            const values = Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(seed + i) * 100));
            return { name, shape, values };
          });
        // the reference writer: sorted by name within one dtype, offsets back to back, header padded to 8
        const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
        let offset = 0;
        for (const t of sorted) {
          header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * t.values.length] };
          offset += 4 * t.values.length;
        }
        let text = JSON.stringify(header);
        const body = new TextEncoder().encode(text);
        const padded = body.length + ((8 - (body.length % 8)) % 8);
        text += ' '.repeat(padded - body.length);
        const file = new Uint8Array(8 + padded + offset);
        new DataView(file.buffer).setBigUint64(0, BigInt(padded), true);
        file.set(new TextEncoder().encode(text), 8);
        let at = 8 + padded;
        for (const t of sorted) {
          file.set(new Uint8Array(t.values.buffer), at);
          at += t.values.byteLength;
        }
        const container = parseSafetensors(file, 'p.safetensors');
        for (const t of tensors) {
          const read = pickArray(container, t.name, 'p.safetensors');
          expect(read.shape).toEqual(t.shape);
          expect(Array.from(read.data)).toEqual(Array.from(t.values));
        }
      }),
    );
  });
});
