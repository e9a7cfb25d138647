// Shared parts of the Azure Event Hubs JS SDK tests (README.md here).
//
// The python wrapper (run.py) starts a gateway and passes, in the environment:
//   TRIB_EH_CONNSTR  the connection string (Endpoint=sb://127.0.0.1:PORT/;...;UseDevelopmentEmulator=true)
//   TRIB_EH_HUB      the event hub (eh1, 4 partitions)
//   TRIB_EH_KEY      the root policy key the gateway was started with
//   TRIB_AUTH_REQUIRED  "1" when the gateway enforces SAS authorisation
//   TRIB_TIME_SCALE  multiplier for waits (E2E_TIME_SCALE)
// Checks print one `ok`/`FAIL` line each, like tests/e2e/harness.py; finish() exits non-zero on
// any failure (or when nothing was checked).

import { createHmac } from "node:crypto";

export const connStr = mustEnv("TRIB_EH_CONNSTR");
export const hub = process.env.TRIB_EH_HUB || "eh1";
export const rootKey = process.env.TRIB_EH_KEY || "";
export const authRequired = process.env.TRIB_AUTH_REQUIRED === "1";
export const timeScale = Math.max(1, Number(process.env.TRIB_TIME_SCALE || "1") || 1);

// Failures must be quick: one retry, 10 s per try (the SDK default is 3 x 30 s + 60 s per try).
export const retryOptions = { maxRetries: 1, retryDelayInMs: 200, timeoutInMs: 10000 * timeScale };
export const clientOptions = { retryOptions };

let passed = 0;
let failed = 0;

function mustEnv(name) {
	const v = process.env[name];
	if (!v) {
		console.error(`${name} is not set: run this through tests/e2e/js/run.py (meson test)`);
		process.exit(2);
	}
	return v;
}

export function ok(cond, what, detail) {
	if (cond) {
		passed++;
		console.log(`ok   - ${what}`);
	} else {
		failed++;
		console.log(`FAIL - ${what}`);
		if (detail !== undefined) {
			for (const line of String(detail).split("\n").slice(0, 40)) console.log(`       ${line}`);
		}
	}
	return Boolean(cond);
}

function show(v) {
	return JSON.stringify(v, (k, x) => (typeof x === "bigint" ? `${x}n` : x));
}

export function eq(got, want, what) {
	const g = show(got);
	const w = show(want);
	return ok(g === w, what, `got  ${g}\nwant ${w}`);
}

export function error(what, err) {
	failed++;
	console.log(`FAIL - ${what}: ${err && err.name}: ${err && err.message}`);
	if (err && err.stack) for (const line of err.stack.split("\n").slice(1, 8)) console.log(`       ${line}`);
}

/** Runs fn; a throw is one failed check named `what`. */
export async function attempt(what, fn) {
	try {
		return await fn();
	} catch (err) {
		error(what, err);
		return undefined;
	}
}

export function finish() {
	console.log(`${process.argv[1].split("/").pop()}: ${passed} passed, ${failed} failed`);
	process.exit(failed || passed === 0 ? 1 : 0);
}

export function sleep(ms) {
	return new Promise((r) => setTimeout(r, ms));
}

/** Resolves when pred() is true (polled every 20 ms); rejects after ms * time scale. */
export async function waitFor(pred, ms, what) {
	const end = Date.now() + ms * timeScale;
	while (!pred()) {
		if (Date.now() > end) throw new Error(`timed out after ${ms * timeScale} ms: ${what}`);
		await sleep(20);
	}
}

/**
 * Reads events of one partition through subscribe() until `count` arrived (then waits `extraMs`
 * for any unexpected extra ones) and closes the subscription. Returns the ReceivedEventData list.
 * Bodies are not JSON-parsed (skipParsingBodyAsJson).
 */
export async function readPartition(consumer, partitionId, startPosition, count, opts = {}) {
	const got = [];
	const errors = [];
	const sub = consumer.subscribe(
		partitionId,
		{
			processEvents: async (events) => {
				got.push(...events);
			},
			processError: async (err) => {
				errors.push(err);
			},
		},
		{ startPosition, maxBatchSize: 100, maxWaitTimeInSeconds: 1, skipParsingBodyAsJson: true,
			...opts },
	);
	try {
		await waitFor(() => got.length >= count || errors.length > 0, opts.timeoutMs || 20000,
			`${count} events from partition ${partitionId} (have ${got.length})`);
		if (errors.length) throw errors[0];
		if (opts.extraMs) await sleep(opts.extraMs);
	} finally {
		await sub.close();
	}
	return got;
}

// ------------------------------------------------ Event Hubs partition-key hash (lookup3)

const rot = (x, k) => ((x << k) | (x >>> (32 - k))) >>> 0;

/** Bob Jenkins' lookup3 hashlittle2 over bytes; returns [c, b] (same as harness.py). */
export function hashlittle2(data) {
	let len = data.length;
	let a = (0xdeadbeef + len) >>> 0;
	let b = a;
	let c = a;
	let i = 0;
	const u32 = (buf, at) => buf.readUInt32LE(at);
	while (len > 12) {
		a = (a + u32(data, i)) >>> 0;
		b = (b + u32(data, i + 4)) >>> 0;
		c = (c + u32(data, i + 8)) >>> 0;
		a = (a - c) >>> 0; a = (a ^ rot(c, 4)) >>> 0; c = (c + b) >>> 0;
		b = (b - a) >>> 0; b = (b ^ rot(a, 6)) >>> 0; a = (a + c) >>> 0;
		c = (c - b) >>> 0; c = (c ^ rot(b, 8)) >>> 0; b = (b + a) >>> 0;
		a = (a - c) >>> 0; a = (a ^ rot(c, 16)) >>> 0; c = (c + b) >>> 0;
		b = (b - a) >>> 0; b = (b ^ rot(a, 19)) >>> 0; a = (a + c) >>> 0;
		c = (c - b) >>> 0; c = (c ^ rot(b, 4)) >>> 0; b = (b + a) >>> 0;
		len -= 12;
		i += 12;
	}
	if (len === 0) return [c, b];
	const tail = Buffer.alloc(12);
	data.copy(tail, 0, i);
	a = (a + u32(tail, 0)) >>> 0;
	b = (b + u32(tail, 4)) >>> 0;
	c = (c + u32(tail, 8)) >>> 0;
	c = (c ^ b) >>> 0; c = (c - rot(b, 14)) >>> 0;
	a = (a ^ c) >>> 0; a = (a - rot(c, 11)) >>> 0;
	b = (b ^ a) >>> 0; b = (b - rot(a, 25)) >>> 0;
	c = (c ^ b) >>> 0; c = (c - rot(b, 16)) >>> 0;
	a = (a ^ c) >>> 0; a = (a - rot(c, 4)) >>> 0;
	b = (b ^ a) >>> 0; b = (b - rot(a, 14)) >>> 0;
	c = (c ^ b) >>> 0; c = (c - rot(b, 24)) >>> 0;
	return [c >>> 0, b >>> 0];
}

/** The partition Event Hubs gives a partition key (eventhubs-surface.md §1.5). */
export function eventHubsPartition(key, partitionCount) {
	const [c, b] = hashlittle2(Buffer.from(key, "utf8"));
	let h = (c ^ b) & 0xffff;
	if (h >= 0x8000) h -= 0x10000; // C#'s (short) cast
	return Math.abs(h) % partitionCount;
}

// lookup3's own values and the SDK's vectors, as in harness.py: a wrong hash here is not a gateway bug.
{
	const [c0, b0] = hashlittle2(Buffer.from("Four score and seven years ago"));
	if (c0 !== 0x17770551 || b0 !== 0xce7226e6) throw new Error("lookup3 self-check failed");
	const v = [["alphabet", 3, 0], ["alphabet", 11, 4], ["TheBestParitionEver", 4, 2],
		["TheWorstParitionEver", 15, 1]];
	for (const [k, n, p] of v) {
		if (eventHubsPartition(k, n) !== p) throw new Error(`partition hash self-check ${k}`);
	}
}

/** A SAS token as the SDK builds it (clients.md §1.3), for any expiry (unix seconds). */
export function sasToken(audience, keyName, key, expiry) {
	const sr = encodeURIComponent(audience);
	const sig = createHmac("sha256", Buffer.from(key, "utf8")).update(`${sr}\n${expiry}`).digest("base64");
	return `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=${expiry}&skn=${keyName}`;
}

/** The Endpoint=... part of the connection string, e.g. "sb://127.0.0.1:5672/". */
export function endpoint() {
	const m = /Endpoint=([^;]+)/i.exec(connStr);
	return m ? m[1] : "";
}
