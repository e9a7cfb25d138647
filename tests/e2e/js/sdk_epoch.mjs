// Owner-level (epoch) subscriptions with EventHubConsumerClient against Tributary:
//  - an ownerLevel 1 subscription takes partition 0 from a subscription without owner level:
//    the old one gets ReceiverDisconnectedError (amqp:link:stolen) and is closed with
//    "OwnershipLost"; new events go to the new owner only;
//  - a lower owner level (0) and a subscription without owner level are refused while it holds;
//  - an equal owner level (1) takes the partition again.
import { EventHubConsumerClient, EventHubProducerClient, earliestEventPosition, latestEventPosition }
	from "@azure/event-hubs";
import * as t from "./lib.mjs";

const PID = "0";

function subscriber(consumer, name, ownerLevel, startPosition) {
	const s = { name, events: [], errors: [], closeReason: null, initialized: false };
	const opts = { startPosition, maxWaitTimeInSeconds: 1, skipParsingBodyAsJson: true };
	if (ownerLevel !== undefined) opts.ownerLevel = ownerLevel;
	s.sub = consumer.subscribe(PID, {
		processInitialize: async () => {
			s.initialized = true;
		},
		processEvents: async (events) => {
			s.events.push(...events.map((e) => e.body.toString()));
		},
		processError: async (err) => {
			s.errors.push(err);
		},
		processClose: async (reason) => {
			s.closeReason = reason;
		},
	}, opts);
	return s;
}

async function send(producer, texts) {
	await producer.sendBatch(texts.map((x) => ({ body: Buffer.from(x) })), { partitionId: PID });
}

const codes = (s) => s.errors.map((e) => `${e.code || e.name}: ${e.message}`);

async function main() {
	const producer = new EventHubProducerClient(t.connStr, t.hub, t.clientOptions);
	const clients = [];
	const consumer = () => {
		const c = new EventHubConsumerClient("$Default", t.connStr, t.hub, t.clientOptions);
		clients.push(c);
		return c;
	};
	const subs = [];
	try {
		await send(producer, ["a0", "a1"]);
		const a = subscriber(consumer(), "A (no owner level)", undefined, earliestEventPosition);
		subs.push(a);
		await t.waitFor(() => a.events.length >= 2, 15000, "A reads a0, a1");
		t.eq(a.events, ["a0", "a1"], "A (no owner level) reads the partition");

		const b = subscriber(consumer(), "B (owner level 1)", 1, latestEventPosition);
		subs.push(b);
		await t.waitFor(() => a.closeReason !== null || a.errors.length > 0, 15000, "A loses the partition");
		t.ok(a.errors.some((e) => e.code === "ReceiverDisconnectedError"),
			"A gets ReceiverDisconnectedError (amqp:link:stolen)", codes(a).join("\n"));
		await t.waitFor(() => a.closeReason !== null, 10000, "A closed");
		t.eq(a.closeReason, "OwnershipLost", "A's subscription closes with OwnershipLost");
		await t.sleep(1500 * t.timeScale); // B's link is attached well before the next send
		const aBefore = a.events.length;
		await send(producer, ["b0", "b1"]);
		await t.waitFor(() => b.events.length >= 2, 15000, "B reads b0, b1");
		t.eq(b.events, ["b0", "b1"], "B (owner level 1) reads new events");
		t.eq(a.events.length, aBefore, "A reads nothing after losing the partition");

		const c = subscriber(consumer(), "C (owner level 0)", 0, latestEventPosition);
		subs.push(c);
		await t.waitFor(() => c.errors.length > 0, 15000, "C refused");
		t.ok(c.errors.length > 0, `lower owner level 0 refused: ${codes(c)[0]}`);
		const d = subscriber(consumer(), "D (no owner level)", undefined, latestEventPosition);
		subs.push(d);
		await t.waitFor(() => d.errors.length > 0, 15000, "D refused");
		t.ok(d.errors.length > 0, `no owner level refused under an owner: ${codes(d)[0]}`);
		t.eq(b.errors.map((e) => e.message), [], "B keeps the partition through both refusals");

		const e = subscriber(consumer(), "E (owner level 1)", 1, latestEventPosition);
		subs.push(e);
		await t.waitFor(() => b.errors.length > 0 || b.closeReason !== null, 15000, "B loses to an equal level");
		t.ok(b.errors.some((x) => x.code === "ReceiverDisconnectedError"),
			"equal owner level 1 takes the partition from B", codes(b).join("\n"));
		await t.sleep(1500 * t.timeScale);
		await send(producer, ["e0"]);
		await t.waitFor(() => e.events.length >= 1, 15000, "E reads e0");
		t.eq(e.events, ["e0"], "E reads the new event");
		t.eq(b.events, ["b0", "b1"], "B reads nothing more");
		t.eq(c.events.concat(d.events), [], "refused subscriptions read nothing");
	} finally {
		for (const s of subs) await s.sub.close().catch(() => {});
		for (const c of clients) await c.close().catch(() => {});
		await producer.close();
	}
}

await t.attempt("sdk_epoch", main);
t.finish();
