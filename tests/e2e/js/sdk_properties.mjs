// getEventHubProperties and getPartitionProperties against Tributary, from a producer and a
// consumer client: hub name, partition ids, creation time; an empty partition (-1, "-1",
// isEmpty); a partition after sends (begin/last sequence number, last offset and enqueued time
// equal to the last event's as a consumer reads it); an unknown hub is "not found".
import { EventHubConsumerClient, EventHubProducerClient, earliestEventPosition } from "@azure/event-hubs";
import * as t from "./lib.mjs";

async function hubProps(client, who, startedAt) {
	const p = await client.getEventHubProperties();
	t.eq(p.name, t.hub, `${who}: getEventHubProperties name`);
	t.eq(p.partitionIds, ["0", "1", "2", "3"], `${who}: partitionIds`);
	t.ok(p.createdOn instanceof Date && p.createdOn.getTime() >= startedAt - 120000 &&
		p.createdOn.getTime() <= Date.now() + 1000,
		`${who}: createdOn is when this fresh gateway created the hub`, String(p.createdOn));
	return p;
}

async function main() {
	const startedAt = Date.now();
	const producer = new EventHubProducerClient(t.connStr, t.hub, t.clientOptions);
	const consumer = new EventHubConsumerClient("$Default", t.connStr, t.hub, t.clientOptions);
	try {
		const p1 = await hubProps(producer, "producer", startedAt);
		const p2 = await hubProps(consumer, "consumer", startedAt);
		t.eq(p2.createdOn.getTime(), p1.createdOn.getTime(), "same createdOn from both clients");

		for (const [client, who] of [[producer, "producer"], [consumer, "consumer"]]) {
			const e = await client.getPartitionProperties("3");
			t.eq(e.eventHubName, t.hub, `${who}: empty partition: eventHubName`);
			t.eq(e.partitionId, "3", `${who}: empty partition: partitionId`);
			t.eq(e.isEmpty, true, `${who}: empty partition: isEmpty`);
			t.eq(e.lastEnqueuedSequenceNumber, -1, `${who}: empty partition: lastEnqueuedSequenceNumber -1`);
			t.eq(e.lastEnqueuedOffset, "-1", `${who}: empty partition: lastEnqueuedOffset "-1"`);
			t.eq(e.beginningSequenceNumber, 0, `${who}: empty partition: beginningSequenceNumber 0`);
			t.ok(e.lastEnqueuedOnUtc instanceof Date, `${who}: empty partition: lastEnqueuedOnUtc is a Date`);
		}

		const batch = await producer.createBatch({ partitionId: "0" });
		for (const x of ["p0", "p1", "p2"]) batch.tryAdd({ body: Buffer.from(x) });
		await producer.sendBatch(batch);
		await producer.sendBatch([{ body: Buffer.from("p3") }], { partitionId: "0" });
		const events = await t.readPartition(consumer, "0", earliestEventPosition, 4);
		const last = events[3];
		for (const [client, who] of [[producer, "producer"], [consumer, "consumer"]]) {
			const p = await client.getPartitionProperties("0");
			t.eq(p.partitionId, "0", `${who}: partition 0: partitionId`);
			t.eq(p.isEmpty, false, `${who}: partition 0: isEmpty false`);
			t.eq(p.beginningSequenceNumber, 0, `${who}: partition 0: beginningSequenceNumber 0`);
			t.eq(p.lastEnqueuedSequenceNumber, 3, `${who}: partition 0: lastEnqueuedSequenceNumber 3`);
			t.eq(p.lastEnqueuedOffset, last.offset, `${who}: partition 0: lastEnqueuedOffset = last event's offset`);
			t.eq(p.lastEnqueuedOnUtc.getTime(), last.enqueuedTimeUtc.getTime(),
				`${who}: partition 0: lastEnqueuedOnUtc = last event's enqueued time`);
		}
		const other = await producer.getPartitionProperties("3");
		t.eq(other.isEmpty, true, "partition 3 still empty after sends to 0");

		const bad = new EventHubProducerClient(t.connStr, "no-such-hub", t.clientOptions);
		try {
			await bad.getEventHubProperties();
			t.ok(false, "getEventHubProperties of an unknown hub fails");
		} catch (err) {
			t.eq(err.code, "MessagingEntityNotFoundError", `unknown hub: MessagingEntityNotFoundError (${err.message})`);
		} finally {
			await bad.close();
		}
		try {
			await producer.getPartitionProperties("9");
			t.ok(false, "getPartitionProperties of an unknown partition fails");
		} catch (err) {
			t.ok(true, `unknown partition 9 refused: ${err.code}: ${err.message}`);
		}
	} finally {
		await producer.close();
		await consumer.close();
	}
}

await t.attempt("sdk_properties", main);
t.finish();
