/**
 * Secret material recognised by its content, whatever the key it sits under: PEM private
 * keys and the token shapes of common providers. A match means a credential would be
 * committed in plain text to git and dist/.
 */

interface SecretShape {
  readonly what: string;
  readonly pattern: RegExp;
}

const SHAPES: readonly SecretShape[] = [
  { what: 'a PEM private key', pattern: /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----/ },
  { what: 'a GitHub token', pattern: /\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b/ },
  { what: 'a Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { what: 'an AWS access key id', pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { what: 'a Stripe live key', pattern: /\b[sr]k_live_[A-Za-z0-9]{16,}/ },
  { what: 'an OpenAI or Anthropic API key', pattern: /\bsk-(ant-|proj-)?[A-Za-z0-9_-]{32,}/ },
  { what: 'a Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { what: 'a JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/ },
];

/** What a secret-looking value is, and a redacted form of the match that is safe to print. */
export interface SecretMatch {
  readonly what: string;
  /** The first characters of the match (its recognisable prefix), then "…". */
  readonly redacted: string;
}

/** The kind of secret material `value` contains, or undefined. Never returns the secret itself. */
export function findSecretMaterial(value: string): SecretMatch | undefined {
  for (const shape of SHAPES) {
    const m = shape.pattern.exec(value);
    if (m) {
      const text = m[0];
      // A PEM header is not secret; of a token only its fixed, public prefix is shown.
      if (text.startsWith('-----')) {
        return { what: shape.what, redacted: text };
      }
      const prefix = /^(github_pat_|[a-z]{2,4}[_-](live_|ant-|proj-)?|AKIA|ASIA|AIza|eyJ)/.exec(text)?.[0] ?? text.slice(0, 3);
      return { what: shape.what, redacted: `${prefix}…` };
    }
  }
  return undefined;
}
