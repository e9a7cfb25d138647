/**
 * Reserved record-header names (DESIGN.md §3, docs/mapping.md).
 *
 * A record written by the AMQP or HTTP head carries, in this order:
 *   1. one header per application property (value = the property's full
 *      AMQP encoding, constructor byte included);
 *   2. the marker header EVHDR_SRC (value "amqp" or "http");
 *   3. bookkeeping headers (EVHDR_PREFIX...) and the AMQP properties-section
 *      fields as UTF-8 text headers named as in AMQP 1.0 §3.2.4
 *      ("message-id", "user-id", "to", "reply-to", "correlation-id",
 *      "content-type", "content-encoding", "subject", "creation-time").
 * Everything after the marker is bookkeeping: the AMQP head strips it before
 * delivery and rebuilds the sections from it. A record without the marker
 * was written by Kafka: its headers are opaque bytes.
 */
#ifndef TRIB_EVHDR_H
#define TRIB_EVHDR_H

#define EVHDR_PREFIX "x-tributary-"
/** Marker: "amqp" or "http"; headers before it are application properties. */
#define EVHDR_SRC "x-tributary-src"
/** Raw encoded AMQP properties section (0x00 0x53 0x73 list), for exact round trips. */
#define EVHDR_PROPS "x-tributary-props"
/** Raw encoded message-annotations section with annotations other than x-opt-partition-key. */
#define EVHDR_ANNOTATIONS "x-tributary-annotations"
/** Raw encoded body section(s) when the body was not exactly one data section. */
#define EVHDR_BODY "x-tributary-body"
/** Publisher name for <hub>/Publishers/<name> senders (x-opt-publisher). */
#define EVHDR_PUBLISHER "x-tributary-publisher"

#endif
