// EventHubConsumerClient.subscribe against Tributary: from the earliest event, from a sequence
// number (exclusive and inclusive), from an offset, from an enqueued time and from the latest
// position (events sent after subscribing), on one partition.
import { EventHubConsumerClient, EventHubProducerClient, earliestEventPosition, latestEventPosition }
	from "@azure/event-hubs";
import * as t from "./lib.mjs";

const PID = "1";

async function send(producer, texts) {
	const batch = await producer.createBatch({ partitionId: PID });
	for (const x of texts) batch.tryAdd({ body: Buffer.from(x) });
	await producer.sendBatch(batch);
}

const bodies = (events) => events.map((e) => e.body.toString());
const seqs = (events) => events.map((e) => e.sequenceNumber);

async function main() {
	const producer = new EventHubProducerClient(t.connStr, t.hub, t.clientOptions);
	const consumer = new EventHubConsumerClient("$Default", t.connStr, t.hub, t.clientOptions);
	try {
		const first = ["e0", "e1", "e2", "e3", "e4"];
		const second = ["e5", "e6", "e7", "e8", "e9"];
		await send(producer, first);
		await t.sleep(50); // the second batch gets a later enqueued time
		await send(producer, second);
		const all = first.concat(second);

		const early = await t.attempt("subscribe from earliest",
			() => t.readPartition(consumer, PID, earliestEventPosition, 10, { extraMs: 500 }));
		if (!early) return;
		t.eq(bodies(early), all, "earliest: all 10 events in order");
		t.eq(seqs(early), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "earliest: sequence numbers 0..9");
		t.ok(early.every((e) => typeof e.offset === "string"), "earliest: offsets are strings");
		t.ok(early.every((e, i) => i === 0 || BigInt(e.offset) > BigInt(early[i - 1].offset)),
			"earliest: offsets increase", early.map((e) => e.offset).join(","));
		t.ok(early.every((e, i) => i === 0 || e.enqueuedTimeUtc >= early[i - 1].enqueuedTimeUtc),
			"earliest: enqueued times do not go back");
		t.ok(early[5].enqueuedTimeUtc > early[4].enqueuedTimeUtc,
			"second batch enqueued after the first", `${early[4].enqueuedTimeUtc} ${early[5].enqueuedTimeUtc}`);

		const fromSeq = await t.attempt("subscribe from sequence number 3 (exclusive)",
			() => t.readPartition(consumer, PID, { sequenceNumber: 3 }, 6, { extraMs: 300 }));
		if (fromSeq) t.eq(bodies(fromSeq), all.slice(4), "sequenceNumber 3 exclusive: e4..e9");

		const fromSeqIncl = await t.attempt("subscribe from sequence number 3 (inclusive)",
			() => t.readPartition(consumer, PID, { sequenceNumber: 3, isInclusive: true }, 7, { extraMs: 300 }));
		if (fromSeqIncl) t.eq(bodies(fromSeqIncl), all.slice(3), "sequenceNumber 3 inclusive: e3..e9");

		const fromOffset = await t.attempt("subscribe from an offset",
			() => t.readPartition(consumer, PID, { offset: early[6].offset }, 3, { extraMs: 300 }));
		if (fromOffset) t.eq(bodies(fromOffset), all.slice(7), `offset ${early[6].offset} exclusive: e7..e9`);

		const fromTime = await t.attempt("subscribe from an enqueued time",
			() => t.readPartition(consumer, PID, { enqueuedOn: early[4].enqueuedTimeUtc }, 5, { extraMs: 300 }));
		if (fromTime) t.eq(bodies(fromTime), second, "enqueuedOn = e4's time: e5..e9 (after it)");

		const fromTimeNum = await t.attempt("subscribe from an enqueued time (number, before all)",
			() => t.readPartition(consumer, PID, { enqueuedOn: early[0].enqueuedTimeUtc.getTime() - 1 }, 10,
				{ extraMs: 300 }));
		if (fromTimeNum) t.eq(bodies(fromTimeNum), all, "enqueuedOn before the first event: all 10");

		await latest(producer, consumer);
	} finally {
		await producer.close();
		await consumer.close();
	}
}

// From latest: nothing already stored arrives; events sent after the link is up do.
async function latest(producer, consumer) {
	const got = [];
	const errors = [];
	let initialized = false;
	const sub = consumer.subscribe(PID, {
		processInitialize: async () => {
			initialized = true;
		},
		processEvents: async (events) => {
			got.push(...events);
		},
		processError: async (err) => {
			errors.push(err);
		},
	}, { startPosition: latestEventPosition, maxWaitTimeInSeconds: 1, skipParsingBodyAsJson: true });
	try {
		await t.waitFor(() => initialized, 10000, "processInitialize");
		// The receiver link attaches after processInitialize; give it time before sending.
		await t.sleep(1500 * t.timeScale);
		t.eq(bodies(got), [], "latest: nothing already stored is delivered");
		await send(producer, ["late-0", "late-1", "late-2"]);
		await t.waitFor(() => got.length >= 3 || errors.length > 0, 15000, "3 events after subscribing");
		await t.sleep(300);
		t.eq(errors.map((e) => e.message), [], "latest: no errors");
		t.eq(bodies(got), ["late-0", "late-1", "late-2"], "latest: exactly the events sent after subscribing");
		t.eq(seqs(got), [10, 11, 12], "latest: their sequence numbers continue the partition");
	} catch (err) {
		t.error("subscribe from latest", err);
	} finally {
		await sub.close();
	}
}

await t.attempt("sdk_consume", main);
t.finish();
