import { IConstruct } from 'constructs';
import { fail } from './errors';

/**
 * Container image references, by the grammar the kubelet and container runtimes parse them
 * with (github.com/distribution/reference): `[registry[:port]/]path[:tag][@algorithm:hex]`.
 * The API server stores any string; the kubelet then fails the pod with InvalidImageName.
 */

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
// Any hex length parses here, so that a short digest gets its own message below.
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]+';
const REFERENCE = new RegExp(`^(?:(${DOMAIN})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);

/** Hex lengths of the digest algorithms runtimes verify (opencontainers/go-digest). */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** The parts of an image reference. */
export interface ImageReference {
  /** Registry host and port, when given. */
  readonly domain?: string;
  /** Repository path, e.g. `acme/web`. */
  readonly path: string;
  readonly tag?: string;
  /** `algorithm:hex`. */
  readonly digest?: string;
}

/** Parses `image` by the distribution grammar; undefined when it does not parse. */
export function parseImage(image: string): ImageReference | undefined {
  const m = REFERENCE.exec(image);
  if (!m) { return undefined; }
  // The first component is a registry only if it looks like a host (docker's rule).
  let domain: string | undefined = m[1];
  let path = m[2];
  if (domain !== undefined && !/[.:]/.test(domain) && domain !== 'localhost') {
    if (domain !== domain.toLowerCase()) {
      return undefined; // "Acme/web": an uppercase repository, not a registry host
    }
    path = `${domain}/${path}`;
    domain = undefined;
  }
  // distribution's NameTotalLengthMax
  if ((domain ? domain.length + 1 : 0) + path.length > 255) { return undefined; }
  return { domain, path, tag: m[3], digest: m[4] };
}

/** Says what is wrong with a reference that does not parse. */
function whyInvalid(image: string): string {
  if (image !== image.trim()) { return 'has leading or trailing whitespace'; }
  if (image === '') { return 'is empty'; }
  const noDigest = image.split('@')[0];
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.indexOf(':', lastSlash + 1);
  const name = colon >= 0 ? noDigest.slice(0, colon) : noDigest;
  const firstSlash = name.indexOf('/');
  const repository = firstSlash >= 0 && /[.:]|^localhost\//.test(name.slice(0, firstSlash + 1)) ? name.slice(firstSlash + 1) : name;
  if (/[A-Z]/.test(repository)) { return `has uppercase letters in the repository "${repository}"`; }
  if (name.length > 255) { return `has a name of ${name.length} characters, longer than 255`; }
  if (colon >= 0 && !new RegExp(`^${TAG}$`).test(noDigest.slice(colon + 1))) {
    return `has an invalid tag "${noDigest.slice(colon + 1)}"`;
  }
  return 'is not a valid image reference';
}

/**
 * Refuses what the runtime cannot pull or what moves under us: an unparseable reference
 * (uppercase repository, spaces, a short digest), no tag and no digest, or the tag `latest`
 * in any case — a moving tag makes git lie about what runs.
 */
export function checkImage(scope: IConstruct, image: string): void {
  const fix = 'write [registry/]lowercase/path:tag or @sha256:<64 hex>, e.g. "ghcr.io/acme/web:1.4.2"';
  if (typeof image !== 'string') {
    fail(scope, `image ${JSON.stringify(image)} is not a string`, fix);
  }
  const ref = parseImage(image);
  if (!ref) {
    const why = whyInvalid(image);
    fail(scope, `image "${image}" ${why}`, why.startsWith('has an invalid tag')
      ? 'use letters, digits, \'_\', \'.\' and \'-\' (at most 128), starting with a letter, digit or \'_\''
      : why.startsWith('has uppercase') ? `lowercase the repository: "${image.trim().toLowerCase()}"` : fix);
  }
  if (ref.digest) {
    const [algorithm, hex] = ref.digest.split(':');
    const length = DIGEST_HEX_LENGTH[algorithm];
    if (length === undefined) {
      fail(scope, `image "${image}" has a digest with the unknown algorithm "${algorithm}"`, 'use a sha256 digest: @sha256:<64 hex characters>');
    }
    if (hex.length !== length || !/^[a-f0-9]+$/.test(hex)) {
      fail(scope, `image "${image}" has a ${algorithm} digest of ${hex.length} characters`,
        `a ${algorithm} digest is exactly ${length} lowercase hex characters; copy it whole from the registry`);
    }
    return; // a digest pins the image whatever the tag says
  }
  if (!ref.tag) {
    // "registry.local:5000/web" has a port, not a tag.
    fail(scope, `image "${image}" has no tag`, 'pin an explicit version tag, e.g. "' + image + ':1.4.2", or a digest');
  }
  if (ref.tag.toLowerCase() === 'latest') {
    fail(scope, `image "${image}" uses the tag "${ref.tag}"`, 'pin an explicit version tag, e.g. "' + image.slice(0, image.length - ref.tag.length) + '1.4.2"');
  }
}

/** The version label value of an image: its tag, or a shortened digest, as a valid label value. */
export function imageVersion(image: string): string {
  const ref = parseImage(image);
  if (ref?.digest) {
    const [algorithm, hex] = ref.digest.split(':');
    return `${algorithm}-${hex.slice(0, 12)}`;
  }
  // Label values end with a letter or digit: trim what a 63-character cut leaves dangling.
  return (ref?.tag ?? '').slice(0, 63).replace(/[^A-Za-z0-9]+$/, '');
}
