// The route computes the forecast with simulateForecastYielding, which gives the event loop a turn
// between its simulation runs (a 100,000-lead forecast's 15 runs take a few hundred milliseconds):
// it must give what simulateForecast gives, and actually let other work in while it runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simulateForecast, simulateForecastYielding } from '../../src/services/forecast-model';
import { benchScenarios } from '../../bench/forecast-scenarios';

const now = new Date('2027-03-01T08:30:00Z');
const scenarios = [100, 10_000].flatMap((maxConcurrentLeads) => benchScenarios({ leads: 3_000, now, runs: 6, maxConcurrentLeads }));

void describe('simulateForecastYielding', () => {
  for (const s of scenarios) {
    void it(`gives simulateForecast's result: ${s.name}, concurrency ${s.input.maxConcurrentLeads}`, async () => {
      assert.deepEqual(await simulateForecastYielding(s.input), simulateForecast(s.input));
    });
  }

  void it('lets the event loop turn between its runs', async () => {
    let turns = 0;
    let done = false;
    const tick = () => {
      if (done) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const input = scenarios[0]!.input;
    await simulateForecastYielding(input);
    done = true;
    assert.ok(turns >= input.runs - 1, `the loop turned ${turns} times during ${input.runs} runs`);
  });
});
