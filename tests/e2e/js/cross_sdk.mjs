// Helper of kafka_cross.py (not a test alone): the SDK half of the cross-protocol checks.
//   node cross_sdk.mjs send              sends the events kafka_cross.py expects (SENDS below)
//   node cross_sdk.mjs read PID COUNT    reads COUNT events of partition PID from the earliest,
//                                        printing one `EVENT {json}` line each
import { EventHubConsumerClient, EventHubProducerClient, earliestEventPosition } from "@azure/event-hubs";
import * as t from "./lib.mjs";

// body, partition key or partition id, application properties (rhea types them: see kafka_cross.py)
const SENDS = [
	{ body: "sdk-1", key: "cross-key-1", properties: { s: "hello", u: 7, neg: -1234, yes: true,
		bin: Buffer.from([0, 255]) } },
	{ body: "sdk-2", key: "cross-key-2", properties: { s: "second" } },
	{ body: "sdk-3 to p2", partitionId: "2", properties: { only: "p2" } },
];

async function send() {
	const producer = new EventHubProducerClient(t.connStr, t.hub, t.clientOptions);
	try {
		for (const e of SENDS) {
			const opts = e.key !== undefined ? { partitionKey: e.key } : { partitionId: e.partitionId };
			await t.attempt(`sendBatch ${e.body}`, async () => {
				await producer.sendBatch([{ body: Buffer.from(e.body), properties: e.properties }], opts);
				t.ok(true, `SDK sendBatch of ${e.body} resolved`);
			});
		}
	} finally {
		await producer.close();
	}
}

function hex(v) {
	if (Buffer.isBuffer(v)) return { binary: v.toString("hex") };
	if (v instanceof Date) return { timestamp: v.getTime() };
	return { value: v };
}

async function read(pid, count) {
	const consumer = new EventHubConsumerClient("$Default", t.connStr, t.hub, t.clientOptions);
	try {
		const events = await t.readPartition(consumer, pid, earliestEventPosition, count, { extraMs: 500 });
		t.eq(events.length, count, `SDK reads ${count} events from partition ${pid}`);
		for (const ev of events) {
			const raw = ev.getRawAmqpMessage();
			const props = {};
			for (const [k, v] of Object.entries(raw.applicationProperties || {})) props[k] = hex(v);
			const ann = {};
			for (const [k, v] of Object.entries(raw.messageAnnotations || {})) ann[k] = hex(v);
			console.log("EVENT " + JSON.stringify({
				body: Buffer.isBuffer(ev.body) ? { binary: ev.body.toString("hex") } : hex(ev.body),
				bodyType: raw.bodyType, sequenceNumber: ev.sequenceNumber, offset: ev.offset,
				partitionKey: ev.partitionKey ?? null, properties: props,
				propertyOrder: Object.keys(raw.applicationProperties || {}), annotations: ann,
			}));
		}
	} finally {
		await consumer.close();
	}
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === "send") await t.attempt("send", send);
else if (cmd === "read") await t.attempt("read", () => read(args[0], Number(args[1])));
else t.ok(false, `unknown command ${cmd}`);
t.finish();
