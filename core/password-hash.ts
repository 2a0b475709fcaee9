import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt, the memory-hard function Node ships (no native add-on to build).
 * Default cost N=2^17, r=8, p=1 is OWASP's recommended minimum for scrypt. The encoded form records
 * its parameters (`scrypt$<logN>$<r>$<p>$<salt>$<hash>`), so raising the cost later still verifies
 * old hashes, and `needsRehash` tells when to upgrade one after a successful sign-in.
 *
 * @example
 *   const stored = await hashPassword('correct horse', 17);
 *   await verifyPassword('correct horse', stored); // → true
 */
const keyLength = 32;

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** logN, r, p, maxmem: 256 * r * 2 ** logN + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export async function hashPassword(password: string, logN = 17): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, logN, 8, 1);
  return ['scrypt', logN, 8, 1, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Constant-time check of `password` against a stored hash; false for any malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, logN, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), Number(logN), Number(r), Number(p));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export function needsRehash(stored: string, logN: number): boolean {
  return Number(stored.split('$')[1]) < logN;
}

/**
 * A fixed hash to verify against when the account does not exist, so "no such user" and "wrong
 * password" take the same time (no user enumeration by timing).
 */
const decoyHashes = new Map<number, Promise<string>>();
export function decoyPasswordHash(logN: number): Promise<string> {
  let decoy = decoyHashes.get(logN);
  if (!decoy) {
    decoy = hashPassword(randomBytes(16).toString('hex'), logN);
    decoyHashes.set(logN, decoy);
  }
  return decoy;
}
