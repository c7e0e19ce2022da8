/** Salesforce Ids: the 18-character, case-safe form of a 15- or 18-character Id (docs section 2). */
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

export function toId18(id: string): string {
  if (!/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(id)) return id;
  const id15 = id.slice(0, 15);
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX[bits];
  }
  return id15 + suffix;
}
