/** Environment variable names that, holding a literal value, would leak a secret. */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}
