import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';

interface Card { scenario: string; passed: boolean; affected: number; repaired: number; manual: number; wronglyChanged: number; residualDrift: number; apiCalls: number; apiFloor: number }

describe('sf-reconcile drill', () => {
  it('plays every scenario end to end and each scorecard passes: nothing wrongly changed, no residual drift', async () => {
    const r = await runCli(['drill', 'all', '--json'], { cwd: tempDir(), timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    const cards = JSON.parse(r.stdout) as Card[];
    expect(cards.map((c) => c.scenario)).toEqual(['salesforce-outage', 'api-limit-exhaustion', 'bad-deployment', 'out-of-order-delivery', 'partial-failures', 'expired-credentials']);
    for (const c of cards) {
      expect(c, c.scenario).toMatchObject({ passed: true, wronglyChanged: 0, residualDrift: 0 });
      expect(c.affected, c.scenario).toBeGreaterThan(0);
      expect(c.repaired + c.manual, c.scenario).toBeGreaterThanOrEqual(c.affected);
    }
    expect(cards[0]!.manual).toBeGreaterThan(0); // the admin's hand fix goes to manual review, never overwritten
  }, 200_000);

  it('is deterministic by seed and lists its scenarios; an unknown scenario exits 2', async () => {
    const a = await runCli(['drill', 'partial-failures', '--seed', '5', '--json'], { cwd: tempDir() });
    const b = await runCli(['drill', 'partial-failures', '--seed', '5', '--json'], { cwd: tempDir() });
    const pick = (s: string) => {
      const c = JSON.parse(s) as Card;
      return [c.affected, c.repaired, c.manual];
    };
    expect(pick(a.stdout)).toEqual(pick(b.stdout));
    const list = await runCli(['drill', '--list', '--json']);
    expect((JSON.parse(list.stdout) as { runbook: string }[]).map((s) => s.runbook)).toContain('runbooks/bad-deployment.md');
    const unknown = await runCli(['drill', 'meteor-strike']);
    expect([unknown.code, unknown.stderr.split('\n')[0]]).toEqual([2, 'error: there is no drill "meteor-strike"']);
  }, 60_000);
});
