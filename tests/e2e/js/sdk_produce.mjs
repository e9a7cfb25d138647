// EventHubProducerClient against Tributary: sendBatch with partition keys (the partition must be
// the Event Hubs hash of the key), with application properties and message properties, to a
// partition id and to the hub (no key); every event is then read back once with
// EventHubConsumerClient from the earliest position of each partition.
import { EventHubConsumerClient, EventHubProducerClient, earliestEventPosition } from "@azure/event-hubs";
import * as t from "./lib.mjs";

const PARTITIONS = 4;
const KEYS = ["alphabet", "TheBestParitionEver", "pk-a", "pk-b", "Schlüssel-ü", "k"];
const sent = new Map(); // body text -> {key, partitionId, properties}

function body(text) {
	return Buffer.from(text, "utf8");
}

async function sendKeyed(producer) {
	for (const key of KEYS) {
		const batch = await producer.createBatch({ partitionKey: key });
		for (let i = 0; i < 3; i++) {
			const text = `keyed ${key} #${i}`;
			t.ok(batch.tryAdd({ body: body(text) }), `tryAdd ${text}`);
			sent.set(text, { key });
		}
		await t.attempt(`sendBatch with partitionKey ${key}`, async () => {
			await producer.sendBatch(batch);
			t.ok(true, `sendBatch with partitionKey ${key} (3 events) resolved`);
		});
	}
	// The array form: sendBatch(events, {partitionKey}).
	const arr = [0, 1].map((i) => ({ body: body(`array key #${i}`) }));
	for (const e of arr) sent.set(e.body.toString(), { key: "array-key" });
	await t.attempt("sendBatch(array, {partitionKey})", async () => {
		await producer.sendBatch(arr, { partitionKey: "array-key" });
		t.ok(true, "sendBatch(array, {partitionKey: array-key}) resolved");
	});
}

const PROPS = {
	s: "hello",
	n: 42,
	neg: -1234,
	big: 5000000000,
	frac: 1.5,
	yes: true,
	bin: Buffer.from([0, 1, 2, 255]),
	when: new Date(1700000000123),
};

async function sendWithProperties(producer) {
	const batch = await producer.createBatch({ partitionId: "1" });
	const text = "with properties";
	t.ok(batch.tryAdd({ body: body(text), properties: PROPS, messageId: "msg-1",
		contentType: "application/octet-stream", correlationId: "corr-1" }), "tryAdd with properties");
	sent.set(text, { partitionId: "1", properties: PROPS, messageId: "msg-1", correlationId: "corr-1",
		contentType: "application/octet-stream" });
	await t.attempt("sendBatch with properties", async () => {
		await producer.sendBatch(batch);
		t.ok(true, "sendBatch with application properties and message properties resolved");
	});
}

async function sendToPartition(producer) {
	const batch = await producer.createBatch({ partitionId: "2" });
	for (let i = 0; i < 5; i++) {
		const text = `to partition 2 #${i}`;
		batch.tryAdd({ body: body(text) });
		sent.set(text, { partitionId: "2" });
	}
	t.eq(batch.count, 5, "batch for partition 2 holds 5 events");
	await t.attempt("sendBatch to partitionId 2", async () => {
		await producer.sendBatch(batch);
		t.ok(true, "sendBatch with partitionId 2 resolved");
	});
}

async function sendToHub(producer) {
	// No key, no partition: the service picks; each send is its own batch.
	for (let i = 0; i < 8; i++) {
		const text = `to hub #${i}`;
		sent.set(text, {});
		await t.attempt(`sendBatch ${text} to the hub`, () => producer.sendBatch([{ body: body(text) }]));
	}
	t.ok(true, "8 sendBatch calls to the hub (no key, no partition) returned");
}

function checkProperties(ev, want, where) {
	const raw = ev.getRawAmqpMessage();
	const ap = raw.applicationProperties || {};
	t.eq(Object.keys(ap).sort(), Object.keys(want.properties).sort(), `${where}: same property names`);
	t.eq(ap.s, "hello", `${where}: string property`);
	t.eq(ap.n, 42, `${where}: unsigned integer property`);
	t.eq(ap.neg, -1234, `${where}: negative integer property`);
	t.eq(ap.big, 5000000000, `${where}: integer beyond 32 bits`);
	t.eq(ap.frac, 1.5, `${where}: double property`);
	t.eq(ap.yes, true, `${where}: boolean property`);
	t.ok(Buffer.isBuffer(ap.bin) && ap.bin.equals(PROPS.bin), `${where}: binary property`, String(ap.bin));
	t.ok(ap.when instanceof Date && ap.when.getTime() === PROPS.when.getTime(),
		`${where}: timestamp property`, String(ap.when));
	t.eq(ev.properties.s, "hello", `${where}: event.properties.s`);
	t.eq(ev.properties.when, PROPS.when.getTime(), `${where}: event.properties.when (Date as number)`);
	t.eq(ev.messageId, want.messageId, `${where}: messageId`);
	t.eq(ev.correlationId, want.correlationId, `${where}: correlationId`);
	t.eq(ev.contentType, want.contentType, `${where}: contentType`);
}

async function readAll(consumer) {
	const ids = await consumer.getPartitionIds();
	t.eq(ids, ["0", "1", "2", "3"], "getPartitionIds");
	const byBody = new Map();
	for (const id of ids) {
		const props = await consumer.getPartitionProperties(id);
		const n = props.isEmpty ? 0 : props.lastEnqueuedSequenceNumber - props.beginningSequenceNumber + 1;
		if (n === 0) continue;
		const events = await t.attempt(`read partition ${id}`,
			() => t.readPartition(consumer, id, earliestEventPosition, n, { extraMs: 300 }));
		if (!events) continue;
		t.eq(events.length, n, `partition ${id}: subscribe from earliest gives all ${n} events`);
		events.forEach((ev, i) => {
			const text = ev.body.toString("utf8");
			if (!byBody.has(text)) byBody.set(text, []);
			byBody.get(text).push({ partitionId: id, ev });
			if (ev.sequenceNumber !== props.beginningSequenceNumber + i) {
				t.ok(false, `partition ${id}: sequence numbers dense and in order`, `#${i} = ${ev.sequenceNumber}`);
			}
		});
	}
	return byBody;
}

async function main() {
	const producer = new EventHubProducerClient(t.connStr, t.hub, t.clientOptions);
	const consumer = new EventHubConsumerClient("$Default", t.connStr, t.hub, t.clientOptions);
	try {
		await sendKeyed(producer);
		await sendWithProperties(producer);
		await sendToPartition(producer);
		await sendToHub(producer);
		const byBody = await readAll(consumer);
		let total = 0;
		for (const v of byBody.values()) total += v.length;
		t.eq(total, sent.size, `exactly the ${sent.size} sent events are stored`);
		const hubParts = new Set();
		for (const [text, want] of sent) {
			const got = byBody.get(text) || [];
			if (!t.eq(got.length, 1, `"${text}" read back once`)) continue;
			const { partitionId, ev } = got[0];
			if (want.key !== undefined) {
				t.eq(partitionId, String(t.eventHubsPartition(want.key, PARTITIONS)),
					`"${text}": partition = Event Hubs hash of ${JSON.stringify(want.key)}`);
				t.eq(ev.partitionKey, want.key, `"${text}": partitionKey read back`);
			} else {
				t.eq(ev.partitionKey ?? null, null, `"${text}": no partition key`);
			}
			if (want.partitionId !== undefined) {
				t.eq(partitionId, want.partitionId, `"${text}": sent to partition ${want.partitionId}`);
			}
			if (want.key === undefined && want.partitionId === undefined) hubParts.add(partitionId);
			t.ok(typeof ev.offset === "string" && /^\d+$/.test(ev.offset), `"${text}": offset is a decimal string`,
				String(ev.offset));
			t.ok(ev.enqueuedTimeUtc instanceof Date && Math.abs(ev.enqueuedTimeUtc - Date.now()) < 600000,
				`"${text}": enqueuedTimeUtc is recent`, String(ev.enqueuedTimeUtc));
			if (want.properties) checkProperties(ev, want, `"${text}"`);
		}
		t.ok(hubParts.size > 1, "events sent to the hub without key are spread over partitions",
			[...hubParts].join(","));
	} finally {
		await producer.close();
		await consumer.close();
	}
}

await t.attempt("sdk_produce", main);
t.finish();
