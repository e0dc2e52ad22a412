import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { markdownTable } from '@masterserver/testing';

// The benchmark's writers are plain JavaScript in bench/ (outside the packages).
const bench = (name: string) => import(new URL(`../../../../bench/${name}`, import.meta.url).href);

const sample = {
  machine: { cores: 2, cpu: 'AMD EPYC <test> & co', memoryGiB: 24, node: 'v20.20.2', platform: 'linux x64' },
  date: '2026-11-27T15:00:00.000Z',
  commit: 'abc1234',
  quick: false,
  scenarios: {
    registration: {
      rows: [
        {
          label: 'registrations/s, unchanged',
          value: 38_000,
          unit: 'msg/s',
          baseline: 40_000,
          ratio: 0.95,
          target: '≥ 0.9× baseline',
          met: true,
        },
        { label: 'registrations/s, changing', value: 30_000, unit: 'msg/s', baseline: 40_000, ratio: 0.75 },
      ],
      details: {},
    },
    idle: {
      rows: [{ label: 'RSS per idle GS', value: 12.5, unit: 'KiB', target: '≤ 10 KB', met: false, note: 'a | pipe' }],
      details: {},
    },
    list: {
      rows: [
        {
          label: 'list <1,000> & gzip',
          value: 9000,
          unit: 'req/s',
          baseline: 10_000,
          ratio: 0.9,
          met: true,
          target: '≥ 0.8× baseline',
        },
      ],
      details: {},
    },
    join: {
      rows: [{ label: 'join latency p99, 1,000/s', value: 3.2, unit: 'ms', target: '≤ 5 ms', met: true, key: 'p99' }],
      details: { latencies: { p50: 1.1, p90: 2, p99: 3.2, p999: 7.5, max: 40 } },
    },
  },
};

/** Checks that `svg` is well-formed XML: balanced tags, quoted attributes, escaped text. Returns the tag names. */
function checkWellFormed(svg: string): string[] {
  const stack: string[] = [];
  const names: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<&]*(?:&(?:amp|lt|gt|quot);[^"<&]*)*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < svg.length) {
    const lt = svg.indexOf('<', i);
    const text = svg.slice(i, lt < 0 ? svg.length : lt);
    assert.doesNotMatch(text, /[>]|&(?!(amp|lt|gt|quot);)/, `unescaped text: ${text}`);
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(svg);
    assert.ok(m !== null, `malformed tag at ${lt}: ${svg.slice(lt, lt + 60)}`);
    const [whole, closing, name = '', , selfClosing] = m;
    if (closing === '/') assert.equal(stack.pop(), name, `</${name}> closes another element`);
    else if (selfClosing !== '/') stack.push(name);
    names.push(name);
    i = lt + whole.length;
  }
  assert.deepEqual(stack, [], 'every element is closed');
  return names;
}

describe('the benchmark writes its results', () => {
  it('the results block of docs/benchmarks.md is rebuilt between its markers, one table per scenario', async () => {
    const { markdownBlock, replaceBlock, BEGIN, END } = await bench('report.js');
    const doc = `# Benchmarks\n\nintro\n\n${BEGIN}\nold results\n${END}\n\n## Scale run\nkept\n`;
    const rewritten: string = replaceBlock(doc, markdownBlock(sample));
    assert.ok(rewritten.startsWith('# Benchmarks\n\nintro\n\n'));
    assert.ok(rewritten.endsWith('\n\n## Scale run\nkept\n'));
    assert.doesNotMatch(rewritten, /old results/);
    assert.equal(rewritten.split(BEGIN).length, 2);
    assert.equal(rewritten.split(END).length, 2);
    assert.match(rewritten, /Machine: 2 cores \(AMD EPYC <test> & co\), 24 GiB, Node v20\.20\.2/);
    const registration = markdownTable(rewritten, '**registration**');
    assert.deepEqual(registration[0], [
      'registrations/s, unchanged',
      '38,000 msg/s',
      '40,000',
      '×0.95',
      '≥ 0.9× baseline',
      'yes',
      '',
    ]);
    assert.equal(registration.length, 2);
    const idle = markdownTable(rewritten, '**idle**');
    assert.equal(idle[0]?.[5], 'NO');
    // A pipe in a cell is escaped, so the row keeps its seven cells.
    assert.match(rewritten, /a \\\| pipe/);
    assert.match(rewritten, /!\[benchmark chart\]\(images\/bench\.svg\)/);
    // Rewriting again gives the same document: the block is found again by its markers.
    assert.equal(replaceBlock(rewritten, markdownBlock(sample)), rewritten);
  });

  it('a docs file without the markers is refused, not appended to', async () => {
    const { markdownBlock, replaceBlock } = await bench('report.js');
    assert.throws(() => replaceBlock('# Benchmarks\n', markdownBlock(sample)), /markers/);
  });

  it('the chart is well-formed SVG with a bar per ratio and per latency percentile, even with markup in labels', async () => {
    const { chartSvg } = await bench('svg.js');
    const svg: string = chartSvg(sample);
    const names = checkWellFormed(svg);
    assert.equal(names[0], 'svg');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    // Three ratio bars (two registration rows, one list row) and five latency bars.
    assert.equal(names.filter((n) => n === 'rect').length, 1 + 3 + 5);
    assert.match(svg, /list &lt;1,000&gt; &amp; gzip/);
    assert.match(svg, /×0\.95/);
    assert.match(svg, /3\.20 ms/);
    // The missed target is drawn in the "miss" colour; the met ones are not.
    assert.equal(svg.match(/class="miss"/g)?.length ?? 0, 0);
    const missed = structuredClone(sample);
    missed.scenarios.join.rows[0] = {
      ...sample.scenarios.join.rows[0],
      value: 9,
      met: false,
    } as (typeof missed.scenarios.join.rows)[0];
    assert.equal(chartSvg(missed).match(/class="miss"/g)?.length, 1);
  });

  it("with the join baseline's latencies, each percentile gets a baseline bar beside it, in the baseline colour", async () => {
    const { chartSvg } = await bench('svg.js');
    const withBaseline = structuredClone(sample) as typeof sample & {
      scenarios: { join: { details: { baselineLatencies?: Record<string, number> } } };
    };
    withBaseline.scenarios.join.details.baselineLatencies = { p50: 1, p90: 1.5, p99: 2.5, p999: 6, max: 30 };
    const svg: string = chartSvg(withBaseline);
    const names = checkWellFormed(svg);
    assert.equal(names.filter((n) => n === 'rect').length, 1 + 3 + 5 + 5);
    assert.equal(svg.match(/class="base"/g)?.length, 5);
    assert.match(svg, />p99 baseline</);
    assert.match(svg, /2\.50 ms/);
  });

  it('a results object with only some scenarios still gives a well-formed chart', async () => {
    const { chartSvg } = await bench('svg.js');
    checkWellFormed(chartSvg({ ...sample, scenarios: { idle: sample.scenarios.idle } }));
  });
});

describe('paired rounds', () => {
  /** Measures that record the order they ran in and resolve to their name and round. */
  const recorder = () => {
    const order: string[] = [];
    const side = (name: string) => async (round: number) => {
      order.push(`${name}${round}`);
      return `${name}${round}`;
    };
    return { order, side };
  };

  it('alternate which side goes first, round by round', async () => {
    const { pairedRounds } = await bench('lib.js');
    const { order, side } = recorder();
    const pairs = await pairedRounds(2, side('base'), side('cand'));
    assert.deepEqual(order, ['base0', 'cand0', 'cand1', 'base1']);
    assert.deepEqual(pairs, [
      { round: 0, base: 'base0', cand: 'cand0', other: undefined },
      { round: 1, base: 'base1', cand: 'cand1', other: undefined },
    ]);
  });

  it('put a second baseline first in even rounds and last in odd ones, so it stands to the masterserver as the first does', async () => {
    const { pairedRounds } = await bench('lib.js');
    const { order, side } = recorder();
    const pairs = await pairedRounds(2, side('base'), side('cand'), 0, side('other'));
    assert.deepEqual(order, ['other0', 'base0', 'cand0', 'cand1', 'base1', 'other1']);
    assert.deepEqual(
      pairs.map((pair: { other: string }) => pair.other),
      ['other0', 'other1'],
    );
  });
});

describe('slow requests beside marking runs', () => {
  it('counts a slow request that was waiting at any moment of a run, and no other', async () => {
    const { slowInMarking } = await bench('lib.js');
    const runs = [
      [1000, 1060],
      [9000, 9045],
    ];
    const slow = [
      [990, 12], // sent before the run, still waiting when it began
      [1030, 8], // inside
      [1059, 40], // sent as it ended
      [1061, 9], // sent just after it ended
      [5000, 30], // between the runs
      [8990, 9], // answered just before the second began
      [9044, 1], // inside the second
    ];
    assert.deepEqual(slowInMarking(slow, runs), { slow: 7, met: 4, runs: [60, 45] });
    assert.deepEqual(slowInMarking(slow, []), { slow: 7, met: 0, runs: [] });
    assert.deepEqual(slowInMarking([], runs), { slow: 0, met: 0, runs: [60, 45] });
  });
});

describe('the constant list server', () => {
  it('answers the bytes and headers it was given: gzip when accepted, plain otherwise, 304 on its ETag', async () => {
    const { constantAnswer } = await bench('constant-http.js');
    const dir = await mkdtemp(join(tmpdir(), 'constant-'));
    const plain = Buffer.from('[{"id":"a"}]');
    const gzip = gzipSync(plain);
    await writeFile(join(dir, 'list.json'), plain);
    await writeFile(join(dir, 'list.gz'), gzip);
    const etag = 'W/"abc"';
    const server = createServer(
      constantAnswer({
        plain: join(dir, 'list.json'),
        gzip: join(dir, 'list.gz'),
        headers: { 'content-type': 'application/json', etag },
        gzipHeaders: { 'content-type': 'application/json', 'content-encoding': 'gzip', etag },
        notModifiedHeaders: { etag },
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/v2/client/servers`;
    try {
      const raw = async (headers: Record<string, string>) => {
        const res = await fetch(url, { headers });
        return { res, body: Buffer.from(await res.arrayBuffer()) };
      };
      // fetch decodes gzip itself: the header says what was sent, the body is the plain list either way.
      const zipped = await raw({ 'accept-encoding': 'gzip' });
      assert.equal(zipped.res.status, 200);
      assert.equal(zipped.res.headers.get('content-encoding'), 'gzip');
      assert.deepEqual(zipped.body, plain);
      const identity = await raw({ 'accept-encoding': 'identity' });
      assert.equal(identity.res.headers.get('content-encoding'), null);
      assert.deepEqual(identity.body, plain);
      const notModified = await raw({ 'if-none-match': etag });
      assert.equal(notModified.res.status, 304);
      assert.equal(notModified.body.length, 0);
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
