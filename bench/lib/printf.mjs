/**
 * printf's %.<P>g, as C's printf and Python's `%` operator write it (np.savetxt(fmt='%.7g')
 * formats each row with Python's `%`, which follows C): round to P significant digits, half
 * to even on exact ties; if the rounded decimal exponent X satisfies -4 <= X < P, write fixed
 * notation with P-1-X decimals, else d.ddddde±XX (at least two exponent digits); then drop
 * trailing zeros and a trailing '.'. inf, -inf, nan as C writes them.
 *
 * Number.prototype.toExponential rounds the exact binary value correctly but breaks exact ties
 * away from zero; printf breaks them to even. The difference is fixed below: a tie needs the
 * exact value to end at digit P+1 with a 5, which BigInt arithmetic confirms.
 */
export function formatG(x, P = 7) {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const sign = x < 0 ? '-' : '';
  const a = Math.abs(x);

  const [mant, exp] = a.toExponential(P - 1).split('e');
  let digits = mant.replace('.', ''); // P significant digits
  let X = Number(exp);
  const tie = tieDigits(a, P);
  if (tie !== undefined && (tie.digits.charCodeAt(P - 1) - 48) % 2 === 0) {
    // toExponential rounded an exact tie up; half-to-even keeps the even digit (no carry).
    digits = tie.digits.slice(0, P);
    X = tie.exponent;
  }

  let body;
  if (X < -4 || X >= P) {
    const m = stripZeros(digits[0] + '.' + digits.slice(1));
    const e = Math.abs(X);
    body = `${m}e${X < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  } else if (X >= 0) {
    body = stripZeros(digits.slice(0, X + 1) + '.' + digits.slice(X + 1));
  } else {
    body = stripZeros('0.' + '0'.repeat(-X - 1) + digits);
  }
  return sign + body;
}

function stripZeros(s) {
  if (!s.includes('.')) return s;
  s = s.replace(/0+$/, '');
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * If a > 0 lies exactly halfway between two P-digit decimals, its P+1 significant digits (the
 * last one a 5) and decimal exponent; otherwise undefined.
 */
function tieDigits(a, P) {
  const [m, e] = a.toExponential(P).split('e');
  if (m[m.length - 1] !== '5') return undefined;
  // Cheap filter: an exact tie has only zeros after digit P+1.
  const longer = a.toExponential(Math.min(P + 12, 100)).split('e')[0].replace('.', '');
  if (!/^0+$/.test(longer.slice(P + 1))) return undefined;
  // Exact check: a = D * 10^k with D the P+1 digits and k = X - P, against a = M * 2^E.
  f64[0] = a;
  const hi = LITTLE ? u32[1] : u32[0];
  const lo = LITTLE ? u32[0] : u32[1];
  const biased = (hi >>> 20) & 0x7ff;
  let M = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let E;
  if (biased === 0) E = -1074;
  else {
    M |= 1n << 52n;
    E = biased - 1075;
  }
  const D = BigInt(m.replace('.', ''));
  const X = Number(e);
  const k = X - P;
  const left = D * (k >= 0 ? 10n ** BigInt(k) : 1n) * (E < 0 ? 2n ** BigInt(-E) : 1n);
  const right = M * (E >= 0 ? 2n ** BigInt(E) : 1n) * (k < 0 ? 10n ** BigInt(-k) : 1n);
  if (left !== right) return undefined;
  return { digits: m.replace('.', ''), exponent: X };
}

/** Known values, C printf's output; checked before every CSV generation. */
export const KNOWN_G7 = [
  [0.1234567, '0.1234567'],
  [1e-5, '1e-05'],
  [123456789, '1.234568e+08'],
  [-0.5, '-0.5'],
  [0, '0'],
  [-0, '-0'],
  [1, '1'],
  [100000, '100000'],
  [1000000, '1000000'],
  [10000000, '1e+07'],
  [0.0001, '0.0001'],
  [0.00012345678, '0.0001234568'],
  [0.000099999999, '0.0001'],
  [9999999.5, '1e+07'],
  [1234567.5, '1234568'], // exact tie, 7 is odd: up
  [1234568.5, '1234568'], // exact tie, 8 is even: stays
  [-2.5e-7, '-2.5e-07'],
  [3.14159265358979, '3.141593'],
  [1.5e300, '1.5e+300'],
  [5e-324, '4.940656e-324'],
  [Infinity, 'inf'],
  [-Infinity, '-inf'],
  [NaN, 'nan'],
];

/** Throws unless formatG(x, 7) writes every KNOWN_G7 value as C does. */
export function checkFormatG() {
  for (const [x, want] of KNOWN_G7) {
    const got = formatG(x, 7);
    if (got !== want) throw new Error(`%.7g formatter: ${x} gave '${got}', expected '${want}'`);
  }
}
