// EventHubConsumerClient.subscribe with trackLastEnqueuedEventProperties: the SDK asks for
// com.microsoft:enable-receiver-runtime-metric in its receiver's desired-capabilities and fills
// partitionContext.lastEnqueuedEventProperties from each delivery's annotations
// (last_enqueued_sequence_number, last_enqueued_offset, last_enqueued_time_utc,
// runtime_info_retrieval_time_utc). It never looks at the attach reply's offered-capabilities.
import { EventHubConsumerClient, EventHubProducerClient, earliestEventPosition } from "@azure/event-hubs";
import * as t from "./lib.mjs";

const PID = "2";

async function send(producer, texts) {
	const batch = await producer.createBatch({ partitionId: PID });
	for (const x of texts) batch.tryAdd({ body: Buffer.from(x) });
	await producer.sendBatch(batch);
}

function snapshot(props) {
	return props ? { ...props } : props;
}

async function main() {
	const producer = new EventHubProducerClient(t.connStr, t.hub, t.clientOptions);
	const consumer = new EventHubConsumerClient("$Default", t.connStr, t.hub, t.clientOptions);
	const got = [];
	const seen = []; // lastEnqueuedEventProperties after each processEvents call with events
	const errors = [];
	let sub;
	try {
		const t0 = Date.now();
		await send(producer, ["m0", "m1", "m2", "m3", "m4"]);
		const props = await producer.getPartitionProperties(PID);
		sub = consumer.subscribe(PID, {
			processEvents: async (events, context) => {
				if (!events.length) return;
				got.push(...events);
				seen.push(snapshot(context.lastEnqueuedEventProperties));
			},
			processError: async (err) => {
				errors.push(err);
			},
		}, { startPosition: earliestEventPosition, trackLastEnqueuedEventProperties: true,
			maxBatchSize: 100, maxWaitTimeInSeconds: 1, skipParsingBodyAsJson: true });
		await t.waitFor(() => got.length >= 5 || errors.length > 0, 20000, "5 events");
		t.eq(errors.map((e) => e.message), [], "no errors");
		const last = seen[seen.length - 1] || {};
		t.eq(last.sequenceNumber, 4, "lastEnqueuedEventProperties.sequenceNumber = the last event's");
		t.eq(last.offset, "4", "lastEnqueuedEventProperties.offset is the last offset, as a string");
		t.ok(last.enqueuedOn instanceof Date && last.enqueuedOn.getTime() ===
			got[4].enqueuedTimeUtc.getTime(), "enqueuedOn = the last event's enqueued time",
			`${last.enqueuedOn} vs ${got[4].enqueuedTimeUtc}`);
		t.ok(last.enqueuedOn instanceof Date && last.enqueuedOn.getTime() ===
			props.lastEnqueuedOnUtc.getTime(), "enqueuedOn = getPartitionProperties' lastEnqueuedOnUtc",
			`${last.enqueuedOn} vs ${props.lastEnqueuedOnUtc}`);
		t.ok(last.retrievedOn instanceof Date && last.retrievedOn.getTime() >= t0 &&
			last.retrievedOn.getTime() <= Date.now() &&
			last.retrievedOn.getTime() >= last.enqueuedOn.getTime(),
			"retrievedOn is the delivery time (after the last enqueue, not in the future)",
			`${last.retrievedOn} t0=${new Date(t0)}`);

		// Newer events move the figures while the subscription runs.
		await send(producer, ["m5", "m6", "m7"]);
		await t.waitFor(() => got.length >= 8 || errors.length > 0, 20000, "3 more events");
		const now = seen[seen.length - 1] || {};
		t.eq([now.sequenceNumber, now.offset], [7, "7"], "after 3 more events: sequence number 7, offset \"7\"");
		t.ok(now.enqueuedOn instanceof Date && now.enqueuedOn.getTime() === got[7].enqueuedTimeUtc.getTime(),
			"after 3 more events: enqueuedOn = m7's enqueued time");
		t.ok(now.retrievedOn instanceof Date && now.retrievedOn.getTime() >= last.retrievedOn.getTime(),
			"retrievedOn does not go back");
		t.eq(got.map((e) => e.body.toString()), ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"],
			"the events themselves are unchanged");
	} finally {
		if (sub) await sub.close();
		await producer.close();
		await consumer.close();
	}
}

await t.attempt("sdk_metric", main);
t.finish();
