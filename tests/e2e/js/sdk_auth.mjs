// needs: auth.required (run.py skips this script, exit 77, when the gateway does not enforce it)
//
// SAS authorisation as the JS SDK meets it, against a gateway started with auth.required=true
// and a known RootManageSharedAccessKey key:
//  - the right key works (management, send, receive);
//  - a wrong key: getEventHubProperties, sendBatch and subscribe fail with an authorisation
//    error (the $cbs put-token gets 401), nothing is stored;
//  - SharedAccessSignature connection strings: a valid token works, an expired one and one
//    signed with a wrong key are refused.
import { EventHubConsumerClient, EventHubProducerClient, earliestEventPosition } from "@azure/event-hubs";
import * as t from "./lib.mjs";

const KEY_NAME = "RootManageSharedAccessKey";

function withKey(key) {
	return t.connStr.replace(/SharedAccessKey=[^;]*/, `SharedAccessKey=${key}`);
}

function withToken(token) {
	return `Endpoint=${t.endpoint()};SharedAccessSignature=${token};UseDevelopmentEmulator=true`;
}

// After its retries the SDK throws an AggregateError holding each try's error.
function leaves(err) {
	if (!err) return [];
	if (Array.isArray(err.errors) && err.errors.length) return err.errors.flatMap(leaves);
	return [err];
}

function isAuthError(err) {
	const all = leaves(err);
	return all.length > 0 && all.every((e) => e.code === "UnauthorizedError");
}

function describe(err) {
	return leaves(err).map((e) => `${e.code}: ${e.message}`).join("\n");
}

async function refused(what, fn) {
	try {
		await fn();
		t.ok(false, `${what} is refused`);
	} catch (err) {
		t.ok(isAuthError(err), `${what} is refused with UnauthorizedError`, describe(err));
	}
}

async function subscribeRefused(connStr, what) {
	const consumer = new EventHubConsumerClient("$Default", connStr, t.hub, t.clientOptions);
	const errors = [];
	const events = [];
	const sub = consumer.subscribe("0", {
		processEvents: async (ev) => {
			events.push(...ev);
		},
		processError: async (err) => {
			errors.push(err);
		},
	}, { startPosition: earliestEventPosition, maxWaitTimeInSeconds: 1 });
	try {
		await t.waitFor(() => errors.length > 0 || events.length > 0, 30000, `${what}: an error`);
		t.ok(events.length === 0 && errors.some(isAuthError), `${what}: subscribe gets UnauthorizedError`,
			errors.map(describe).join("\n"));
	} catch (err) {
		t.error(`${what}: subscribe`, err);
	} finally {
		await sub.close().catch(() => {});
		await consumer.close().catch(() => {});
	}
}

async function works(connStr, what) {
	const producer = new EventHubProducerClient(connStr, t.hub, t.clientOptions);
	try {
		const p = await producer.getEventHubProperties();
		t.eq(p.name, t.hub, `${what}: getEventHubProperties works`);
		await producer.sendBatch([{ body: Buffer.from(what) }], { partitionId: "0" });
		t.ok(true, `${what}: sendBatch works`);
	} catch (err) {
		t.error(`${what}: works`, err);
	} finally {
		await producer.close();
	}
}

async function main() {
	const now = Math.floor(Date.now() / 1000);
	const audience = t.endpoint();
	await works(t.connStr, "right key");

	const wrong = withKey("d3Jvbmcta2V5LW5vdC10aGUtcm9vdC1rZXk=");
	const bad = new EventHubProducerClient(wrong, t.hub, t.clientOptions);
	try {
		await refused("wrong key: getEventHubProperties", () => bad.getEventHubProperties());
		await refused("wrong key: getPartitionProperties", () => bad.getPartitionProperties("0"));
		await refused("wrong key: sendBatch", () => bad.sendBatch([{ body: Buffer.from("must not be stored") }],
			{ partitionId: "1" }));
	} finally {
		await bad.close();
	}
	await subscribeRefused(wrong, "wrong key");

	await works(withToken(t.sasToken(audience, KEY_NAME, t.rootKey, now + 3600)), "valid SAS token");
	const expired = withToken(t.sasToken(audience, KEY_NAME, t.rootKey, now - 3600));
	const exp = new EventHubProducerClient(expired, t.hub, t.clientOptions);
	try {
		await refused("expired SAS token: getEventHubProperties", () => exp.getEventHubProperties());
		await refused("expired SAS token: sendBatch", () => exp.sendBatch([{ body: Buffer.from("must not be stored") }],
			{ partitionId: "1" }));
	} finally {
		await exp.close();
	}
	await subscribeRefused(expired, "expired SAS token");
	const forged = withToken(t.sasToken(audience, KEY_NAME, "not-the-key", now + 3600));
	const fp = new EventHubProducerClient(forged, t.hub, t.clientOptions);
	try {
		await refused("SAS token signed with a wrong key: sendBatch",
			() => fp.sendBatch([{ body: Buffer.from("must not be stored") }], { partitionId: "1" }));
	} finally {
		await fp.close();
	}

	const reader = new EventHubProducerClient(t.connStr, t.hub, t.clientOptions);
	try {
		const p1 = await reader.getPartitionProperties("1");
		t.eq(p1.isEmpty, true, "nothing from a refused client was stored (partition 1 empty)");
	} finally {
		await reader.close();
	}
}

await t.attempt("sdk_auth", main);
t.finish();
